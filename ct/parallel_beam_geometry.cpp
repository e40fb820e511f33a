#include "ct/parallel_beam_geometry.h"

#include "ct/geometry_checks.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::ct {

ParallelBeamGeometry ParallelBeamGeometry::uniform(int64_t views, int64_t detector_count, double detector_spacing_mm,
                                                   double angular_range_deg, double start_angle_deg) {
  if (views < 1) throw std::invalid_argument("ParallelBeamGeometry: views must be >= 1, got " + std::to_string(views));
  ParallelBeamGeometry geometry;
  for (int64_t v = 0; v < views; ++v) geometry.angles_deg.push_back(start_angle_deg + angular_range_deg * double(v) / double(views));
  geometry.detector_count = detector_count;
  geometry.detector_spacing_mm = detector_spacing_mm;
  geometry.validate("ParallelBeamGeometry");
  return geometry;
}

void ParallelBeamGeometry::validate(const char* who) const {
  const std::string prefix = std::string(who) + ": parallel-beam geometry ";
  check_views_and_detector(prefix, angles_deg, detector_count, detector_spacing_mm, detector_offset_mm);
}

}  // namespace diffrecon::ct
