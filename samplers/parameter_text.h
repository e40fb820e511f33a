// Sampler parameters as report text: integers as they are, reals with enough digits to round-trip.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace diffrecon {

inline std::string parameter_text(int64_t value) { return std::to_string(value); }
inline std::string parameter_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

}  // namespace diffrecon
