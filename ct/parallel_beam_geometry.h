// ParallelBeamGeometry: a 2-D parallel-beam scan.
//
// View angle theta (degrees, counter-clockwise from +x): the rays of that view run along
// (-sin theta, cos theta) and the detector axis points along (cos theta, sin theta), so detector
// element k measures the line { p : p . (cos theta, sin theta) = u_k } with
// u_k = (k - (detector_count - 1) / 2) * detector_spacing_mm + detector_offset_mm.
// Sinograms are [..., views, detectors].
#pragma once

#include <cstdint>
#include <vector>

namespace diffrecon::ct {

struct ParallelBeamGeometry {
  std::vector<double> angles_deg;
  int64_t detector_count = 0;
  double detector_spacing_mm = 1.0;
  double detector_offset_mm = 0.0;

  // `views` angles start, start + range/views, ... (the end of the range excluded); 180 degrees is a
  // complete parallel-beam scan.
  static ParallelBeamGeometry uniform(int64_t views, int64_t detector_count, double detector_spacing_mm,
                                      double angular_range_deg = 180.0, double start_angle_deg = 0.0);

  int64_t view_count() const { return int64_t(angles_deg.size()); }
  double detector_position_mm(double k) const {
    return (k - 0.5 * double(detector_count - 1)) * detector_spacing_mm + detector_offset_mm;
  }
  // Throws std::invalid_argument naming `who` and the field at fault.
  void validate(const char* who) const;
};

}  // namespace diffrecon::ct
