// Checks every projection geometry shares: its view angles and its detector row. Each throws
// std::invalid_argument whose message starts with `prefix` (who is checking which geometry).
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon::ct {

inline void check_views_and_detector(const std::string& prefix, const std::vector<double>& angles_deg,
                                     int64_t detector_count, double detector_spacing_mm, double detector_offset_mm) {
  if (angles_deg.empty()) throw std::invalid_argument(prefix + "needs at least one angle");
  for (double angle : angles_deg) {
    if (!std::isfinite(angle)) throw std::invalid_argument(prefix + "angles must be finite");
  }
  if (detector_count < 1) throw std::invalid_argument(prefix + "needs detector count >= 1, got " + std::to_string(detector_count));
  if (!(detector_spacing_mm > 0.0) || !std::isfinite(detector_spacing_mm)) {
    throw std::invalid_argument(prefix + "needs a positive detector spacing in mm, got " + std::to_string(detector_spacing_mm));
  }
  if (!std::isfinite(detector_offset_mm)) throw std::invalid_argument(prefix + "detector offset must be finite");
}

}  // namespace diffrecon::ct
