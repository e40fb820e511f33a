// A sampler's named, typed parameters: a table from each name to the option it sets and the type it
// expects (whole number, real, or one of a few names), so text from a command line, a batch manifest
// or a preset ("steps=100", "inner=exact") is checked once, in one place, against the names the
// sampler accepts. Messages name the sampler and the parameter (the input), never a CLI flag.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace diffrecon {

class SamplerParameters {
 public:
  explicit SamplerParameters(std::string sampler) : sampler_(std::move(sampler)) {}

  // `target` must outlive the table.
  void integer(const std::string& name, int64_t& target);
  void real(const std::string& name, double& target);
  void optional_real(const std::string& name, std::optional<double>& target);
  // One of `values` (text -> value); `numeric_codes` keeps older numeric spellings working
  // (DAPS's inner=0|1).
  template <class Enum>
  void choice(const std::string& name, Enum& target, std::vector<std::pair<std::string, Enum>> values,
              std::vector<std::pair<double, Enum>> numeric_codes = {});

  // Throws InputError naming the sampler and the parameter: an unknown name lists the accepted ones,
  // an ill-typed value says what was expected.
  void set(const std::string& name, const std::string& value) const;
  std::vector<std::string> names() const;

 private:
  struct Binding {
    std::string expected;  // e.g. "a whole number", "langevin or exact"
    std::function<bool(const std::string&)> set;  // false: the text does not fit the type
  };
  void bind(const std::string& name, std::string expected, std::function<bool(const std::string&)> set);
  static std::optional<double> number(const std::string& text);

  std::string sampler_;
  std::map<std::string, Binding> bindings_;
};

template <class Enum>
void SamplerParameters::choice(const std::string& name, Enum& target, std::vector<std::pair<std::string, Enum>> values,
                               std::vector<std::pair<double, Enum>> numeric_codes) {
  std::string expected;
  for (size_t i = 0; i < values.size(); ++i)
    expected += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + values[i].first;
  if (!numeric_codes.empty()) {
    expected += " (or";
    for (const auto& [code, value] : numeric_codes) expected += " " + std::to_string(static_cast<long long>(code));
    expected += ")";
  }
  bind(name, expected, [&target, values, numeric_codes](const std::string& text) {
    for (const auto& [spelling, value] : values) {
      if (text != spelling) continue;
      target = value;
      return true;
    }
    const auto code = number(text);
    for (const auto& [known, value] : numeric_codes) {
      if (!code || *code != known) continue;
      target = value;
      return true;
    }
    return false;
  });
}

// "name=value[,name=value...]" -> {name: value}; the values are typed when a sampler applies them.
// Throws InputError naming the item that is not name=value.
std::map<std::string, std::string> parse_sampler_overrides(const std::string& text);

}  // namespace diffrecon
