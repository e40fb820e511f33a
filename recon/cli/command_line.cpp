#include "recon/cli/command_line.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace diffrecon::cli {

CommandLine::CommandLine(std::vector<std::string> arguments, const CommandSpec& spec)
    : arguments_(std::move(arguments)), spec_(&spec) {
  for (const auto& argument : arguments_) {
    if (argument.rfind("--", 0) != 0) continue;
    const auto name = argument.substr(0, argument.find('='));
    if (!spec.find(name))
      throw UsageError(spec.name + ": unknown option '" + name + "' (see diffrecon " + spec.name + " --help)");
  }
}

void CommandLine::check_declared(const std::string& name, bool flag) const {
  if (!spec_) return;
  const auto* option = spec_->find(name);
  if (!option || option->value.empty() != flag)
    throw InternalError("diffrecon " + spec_->name + " reads " + (flag ? "flag " : "option ") + name +
                        " but its option table declares " + (option ? (flag ? "a value for it" : "it a flag") : "no such option"));
}

std::optional<std::string> CommandLine::take_option(const std::string& name) {
  check_declared(name, false);
  for (auto it = arguments_.begin(); it != arguments_.end(); ++it) {
    if (*it == name) {
      if (std::next(it) == arguments_.end() || std::next(it)->empty())
        throw UsageError("option " + name + " needs a value");
      auto value = *std::next(it);
      arguments_.erase(it, it + 2);
      return value;
    }
    if (it->rfind(name + "=", 0) == 0) {
      auto value = it->substr(name.size() + 1);
      arguments_.erase(it);
      if (value.empty()) throw UsageError("option " + name + " needs a value");
      return value;
    }
  }
  return std::nullopt;
}

std::optional<int> CommandLine::take_int_option(const std::string& name, int minimum) {
  auto text = take_option(name);
  if (!text) return std::nullopt;
  try {
    size_t used = 0;
    const int value = std::stoi(*text, &used);
    if (used == text->size() && value >= minimum) return value;
  } catch (const std::exception&) {
  }
  throw UsageError("option " + name + " expects an integer >= " + std::to_string(minimum) + ", got '" + *text + "'");
}

std::optional<double> CommandLine::take_double_option(const std::string& name, double minimum, bool strictly_greater) {
  auto text = take_option(name);
  if (!text) return std::nullopt;
  try {
    size_t used = 0;
    const double value = std::stod(*text, &used);
    if (used == text->size() && std::isfinite(value) && (strictly_greater ? value > minimum : value >= minimum))
      return value;
  } catch (const std::exception&) {
  }
  throw UsageError("option " + name + " expects a number " + (strictly_greater ? "> " : ">= ") +
                   std::to_string(minimum) + ", got '" + *text + "'");
}

namespace {

// Parses each comma-separated item with `parse` (which throws on a bad item); `expected` names the
// accepted values in the error.
template <typename Value, typename Parse>
std::vector<Value> parse_list(const std::string& name, const std::string& text, const std::string& expected, Parse parse) {
  std::vector<Value> values;
  size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    try {
      values.push_back(parse(text.substr(start, end - start)));
    } catch (const std::exception&) {
      throw UsageError("option " + name + " expects comma-separated " + expected + ", got '" + text + "'");
    }
    start = end + 1;
  }
  return values;
}

}  // namespace

std::optional<std::vector<int64_t>> CommandLine::take_int_list_option(const std::string& name, int64_t minimum) {
  auto text = take_option(name);
  if (!text) return std::nullopt;
  return parse_list<int64_t>(name, *text, "integers >= " + std::to_string(minimum), [&](const std::string& item) {
    size_t used = 0;
    const long long value = std::stoll(item, &used);
    if (used != item.size() || value < minimum) throw std::invalid_argument(item);
    return static_cast<int64_t>(value);
  });
}

std::optional<std::vector<double>> CommandLine::take_double_list_option(const std::string& name, double minimum) {
  auto text = take_option(name);
  if (!text) return std::nullopt;
  return parse_list<double>(name, *text, "numbers > " + std::to_string(minimum), [&](const std::string& item) {
    size_t used = 0;
    const double value = std::stod(item, &used);
    if (used != item.size() || !std::isfinite(value) || !(value > minimum)) throw std::invalid_argument(item);
    return value;
  });
}

bool CommandLine::take_flag(const std::string& name) {
  check_declared(name, true);
  auto it = std::find(arguments_.begin(), arguments_.end(), name);
  if (it == arguments_.end()) return false;
  arguments_.erase(it);
  return true;
}

std::optional<std::string> CommandLine::take_positional() {
  auto it = std::find_if(arguments_.begin(), arguments_.end(),
                         [](const std::string& a) { return a.empty() || a[0] != '-'; });
  if (it == arguments_.end()) return std::nullopt;
  auto value = *it;
  arguments_.erase(it);
  return value;
}

void CommandLine::expect_consumed(const std::string& command) const {
  if (arguments_.empty()) return;
  const auto& first = arguments_.front();
  if (!first.empty() && first[0] == '-') throw UsageError(command + ": unknown option '" + first + "'");
  throw UsageError(command + ": unexpected argument '" + first + "'");
}

int run_command(const CommandSpec& spec, const std::vector<std::string>& arguments, int (*run)(CommandLine&)) {
  const bool asks_help = !arguments.empty() && (arguments[0] == "--help" || arguments[0] == "-h" || arguments[0] == "help");
  CommandLine line(asks_help ? std::vector<std::string>{} : arguments, spec);
  if (asks_help || line.take_flag("--help")) {
    std::fputs(spec.help().c_str(), stdout);
    return 0;
  }
  return run(line);
}

}  // namespace diffrecon::cli
