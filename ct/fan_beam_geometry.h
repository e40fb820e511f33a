// FanBeamGeometry: a 2-D fan-beam scan with a flat or a curved (equi-angular) detector.
//
// Source angle beta (degrees, counter-clockwise): the source sits at R (sin beta, -cos beta) with
// R = source_to_isocentre_mm, the central ray runs along (-sin beta, cos beta) through the
// isocentre, and the detector axis points along (cos beta, sin beta) (at beta = theta the detector
// axis of ParallelBeamGeometry). Detector coordinate u_k = (k - (detector_count - 1)/2) * spacing +
// offset is measured on the detector: along the line at source_to_detector_mm for a flat detector
// (fan angle gamma = atan(u / D)), along the arc of radius source_to_detector_mm centred on the
// source for a curved one (gamma = u / D). A ray with fan angle gamma is the parallel-beam line with
// theta = beta - gamma and s = R sin(gamma), which is how fan-beam data are rebinned and how the
// analytic sinogram is checked.
#pragma once

#include <cstdint>
#include <vector>

namespace diffrecon::ct {

enum class DetectorShape { Flat, Curved };

const char* detector_shape_name(DetectorShape shape);

struct FanBeamGeometry {
  std::vector<double> angles_deg;
  int64_t detector_count = 0;
  double detector_spacing_mm = 1.0;
  double detector_offset_mm = 0.0;
  double source_to_isocentre_mm = 0.0;
  double source_to_detector_mm = 0.0;
  DetectorShape detector_shape = DetectorShape::Flat;

  // `views` source angles evenly over 360 degrees.
  static FanBeamGeometry full_scan(int64_t views, int64_t detector_count, double detector_spacing_mm,
                                   double source_to_isocentre_mm, double source_to_detector_mm,
                                   DetectorShape shape = DetectorShape::Flat);
  // `views` source angles evenly over [0, 180 + 2 gamma_max] degrees, both ends included: the
  // shortest scan that measures every line once (Parker weights make FBP exact for it).
  static FanBeamGeometry short_scan(int64_t views, int64_t detector_count, double detector_spacing_mm,
                                    double source_to_isocentre_mm, double source_to_detector_mm,
                                    DetectorShape shape = DetectorShape::Flat);

  // The short-scan angles for this detector (its offset included in the fan half-angle).
  std::vector<double> short_scan_angles_deg(int64_t views) const;

  int64_t view_count() const { return int64_t(angles_deg.size()); }
  double detector_position_mm(double k) const {
    return (k - 0.5 * double(detector_count - 1)) * detector_spacing_mm + detector_offset_mm;
  }
  // Fan angle (radians) of detector coordinate u (mm).
  double fan_angle_rad(double u_mm) const;
  // The largest |fan angle| of any detector element's centre.
  double fan_half_angle_rad() const;
  // Magnification D/R: a detector spacing of s mm samples s R/D mm at the isocentre.
  double magnification() const { return source_to_detector_mm / source_to_isocentre_mm; }
  // The angular range the source angles cover (last - first + one step), in degrees.
  double angular_coverage_deg() const;
  // True when the angles cover less than 360 degrees (FBP then needs Parker weights).
  bool is_short_scan() const;
  void validate(const char* who) const;
};

}  // namespace diffrecon::ct
