#include "recon/cli/option_table.h"

#include <algorithm>

namespace diffrecon::cli {
namespace {

constexpr size_t kHelpColumn = 24;

std::string option_line(const OptionSpec& option) {
  std::string left = "  " + option.name + (option.value.empty() ? "" : " " + option.value);
  std::string text = left + std::string(left.size() + 2 <= kHelpColumn ? kHelpColumn - left.size() : 2, ' ');
  if (left.size() + 2 > kHelpColumn) text = left + "\n" + std::string(kHelpColumn, ' ');
  for (char c : option.help) {
    text += c;
    if (c == '\n') text += std::string(kHelpColumn, ' ');
  }
  return text + "\n";
}

}  // namespace

std::string OptionGroup::help() const {
  std::string text = title + ":\n";
  for (const auto& option : options) text += option_line(option);
  return text;
}

std::string CommandSpec::help() const {
  std::string text = "usage:\n";
  for (const auto& line : synopsis) text += "  diffrecon " + line + "\n";
  if (!description.empty()) text += "\n" + description + (description.back() == '\n' ? "" : "\n");
  for (const auto& group : groups) text += "\n" + group.help();
  if (!epilogue.empty()) text += "\n" + epilogue + (epilogue.back() == '\n' ? "" : "\n");
  return text;
}

const OptionSpec* CommandSpec::find(const std::string& option) const {
  for (const auto& group : groups)
    for (const auto& spec : group.options)
      if (spec.name == option) return &spec;
  return nullptr;
}

const OptionGroup& runtime_option_group() {
  static const OptionGroup group{
      "options every command takes",
      {{"--threads", "N", "LibTorch intra-op threads (default: every core)"},
       {"--device", "cpu|cuda", "where tensors live and computation runs (default: cpu)"},
       {"--memory-limit", "GIB", "refuse inputs whose declared sizes need more (default: the machine's memory)"},
       {"--help", "", "this text"}}};
  return group;
}

}  // namespace diffrecon::cli
