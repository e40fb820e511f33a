#include "ct/fan_beam_geometry.h"

#include "ct/geometry_checks.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::ct {
namespace {
constexpr double kPi = 3.14159265358979323846;

FanBeamGeometry make(int64_t detector_count, double spacing, double source_to_isocentre, double source_to_detector,
                     DetectorShape shape) {
  FanBeamGeometry geometry;
  geometry.detector_count = detector_count;
  geometry.detector_spacing_mm = spacing;
  geometry.source_to_isocentre_mm = source_to_isocentre;
  geometry.source_to_detector_mm = source_to_detector;
  geometry.detector_shape = shape;
  geometry.angles_deg = {0.0};
  geometry.validate("FanBeamGeometry");
  return geometry;
}

void require_views(int64_t views, int64_t minimum) {
  if (views < minimum) {
    throw std::invalid_argument("FanBeamGeometry: views must be >= " + std::to_string(minimum) + ", got " +
                                std::to_string(views));
  }
}
}  // namespace

const char* detector_shape_name(DetectorShape shape) { return shape == DetectorShape::Flat ? "flat" : "curved"; }

FanBeamGeometry FanBeamGeometry::full_scan(int64_t views, int64_t detector_count, double detector_spacing_mm,
                                           double source_to_isocentre_mm, double source_to_detector_mm,
                                           DetectorShape shape) {
  require_views(views, 1);
  auto geometry = make(detector_count, detector_spacing_mm, source_to_isocentre_mm, source_to_detector_mm, shape);
  geometry.angles_deg.clear();
  for (int64_t v = 0; v < views; ++v) geometry.angles_deg.push_back(360.0 * double(v) / double(views));
  return geometry;
}

FanBeamGeometry FanBeamGeometry::short_scan(int64_t views, int64_t detector_count, double detector_spacing_mm,
                                            double source_to_isocentre_mm, double source_to_detector_mm,
                                            DetectorShape shape) {
  auto geometry = make(detector_count, detector_spacing_mm, source_to_isocentre_mm, source_to_detector_mm, shape);
  geometry.angles_deg = geometry.short_scan_angles_deg(views);
  return geometry;
}

std::vector<double> FanBeamGeometry::short_scan_angles_deg(int64_t views) const {
  require_views(views, 2);
  const double range = 180.0 + 2.0 * fan_half_angle_rad() * 180.0 / kPi;
  std::vector<double> angles;
  for (int64_t v = 0; v < views; ++v) angles.push_back(range * double(v) / double(views - 1));
  return angles;
}

double FanBeamGeometry::fan_angle_rad(double u_mm) const {
  return detector_shape == DetectorShape::Flat ? std::atan(u_mm / source_to_detector_mm) : u_mm / source_to_detector_mm;
}

double FanBeamGeometry::fan_half_angle_rad() const {
  return std::max(std::abs(fan_angle_rad(detector_position_mm(0.0))),
                  std::abs(fan_angle_rad(detector_position_mm(double(detector_count - 1)))));
}

double FanBeamGeometry::angular_coverage_deg() const {
  if (angles_deg.size() < 2) return 0.0;
  const double step = (angles_deg.back() - angles_deg.front()) / double(angles_deg.size() - 1);
  return std::abs(angles_deg.back() - angles_deg.front() + step);
}

bool FanBeamGeometry::is_short_scan() const { return angular_coverage_deg() < 360.0 - 1e-6; }

void FanBeamGeometry::validate(const char* who) const {
  const std::string prefix = std::string(who) + ": fan-beam geometry ";
  check_views_and_detector(prefix, angles_deg, detector_count, detector_spacing_mm, detector_offset_mm);
  if (!(source_to_isocentre_mm > 0.0) || !std::isfinite(source_to_isocentre_mm)) {
    throw std::invalid_argument(prefix + "needs source_to_isocentre_mm > 0, got " + std::to_string(source_to_isocentre_mm));
  }
  if (!(source_to_detector_mm > source_to_isocentre_mm) || !std::isfinite(source_to_detector_mm)) {
    throw std::invalid_argument(prefix + "needs source_to_detector_mm > source_to_isocentre_mm (" +
                                std::to_string(source_to_isocentre_mm) + "), got " + std::to_string(source_to_detector_mm));
  }
  if (fan_half_angle_rad() >= 0.5 * kPi - 1e-6) {
    throw std::invalid_argument(prefix + "detector is too wide: the fan angle reaches 90 degrees");
  }
}

}  // namespace diffrecon::ct
