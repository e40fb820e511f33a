#include "samplers/sampler_parameters.h"

#include "core/error.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace diffrecon {

std::optional<double> SamplerParameters::number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return value;
}

void SamplerParameters::bind(const std::string& name, std::string expected, std::function<bool(const std::string&)> set) {
  bindings_[name] = {std::move(expected), std::move(set)};
}

void SamplerParameters::integer(const std::string& name, int64_t& target) {
  bind(name, "a whole number", [&target](const std::string& text) {
    auto value = number(text);
    if (!value || *value != std::trunc(*value) || std::abs(*value) > 9.0e15) return false;
    target = static_cast<int64_t>(*value);
    return true;
  });
}

void SamplerParameters::real(const std::string& name, double& target) {
  bind(name, "a number", [&target](const std::string& text) {
    auto value = number(text);
    if (!value) return false;
    target = *value;
    return true;
  });
}

void SamplerParameters::optional_real(const std::string& name, std::optional<double>& target) {
  bind(name, "a number", [&target](const std::string& text) {
    auto value = number(text);
    if (!value) return false;
    target = *value;
    return true;
  });
}

std::vector<std::string> SamplerParameters::names() const {
  std::vector<std::string> names;
  for (const auto& [name, binding] : bindings_) names.push_back(name);
  return names;
}

void SamplerParameters::set(const std::string& name, const std::string& value) const {
  auto found = bindings_.find(name);
  if (found == bindings_.end()) {
    std::string accepted;
    for (const auto& known : names()) accepted += (accepted.empty() ? "" : ", ") + known;
    throw InputError("sampler " + sampler_ + " has no parameter '" + name + "' (it accepts: " + accepted + ")");
  }
  if (!found->second.set(value))
    throw InputError("sampler " + sampler_ + " parameter '" + name + "': expected " + found->second.expected +
                     ", got '" + value + "'");
}

std::map<std::string, std::string> parse_sampler_overrides(const std::string& text) {
  std::map<std::string, std::string> overrides;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto equals = item.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == item.size())
      throw InputError("sampler parameter '" + item + "': expected name=value");
    overrides[item.substr(0, equals)] = item.substr(equals + 1);
  }
  return overrides;
}

}  // namespace diffrecon
