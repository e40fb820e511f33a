#include "ct/projection_geometry.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <stdexcept>

namespace diffrecon::ct {
namespace {
constexpr double kPi = 3.14159265358979323846;

// The ray through detector coordinate u (mm) of view v.
Ray parallel_ray(const ParallelBeamGeometry& g, int64_t v, double u) {
  const double theta = g.angles_deg[v] * kPi / 180.0;
  const double c = std::cos(theta), s = std::sin(theta);
  return {u * c, u * s, -s, c};
}

Ray fan_ray(const FanBeamGeometry& g, int64_t v, double u) {
  const double beta = g.angles_deg[v] * kPi / 180.0;
  const double gamma = g.fan_angle_rad(u);
  // Direction (-sin(beta - gamma), cos(beta - gamma)): the central ray turned by gamma towards +u.
  return {g.source_to_isocentre_mm * std::sin(beta), -g.source_to_isocentre_mm * std::cos(beta),
          -std::sin(beta - gamma), std::cos(beta - gamma)};
}

Ray ray_at(const ProjectionGeometry& geometry, int64_t v, double k) {
  return std::visit(
      [&](const auto& g) -> Ray {
        using G = std::decay_t<decltype(g)>;
        if constexpr (std::is_same_v<G, ParallelBeamGeometry>) return parallel_ray(g, v, g.detector_position_mm(k));
        else return fan_ray(g, v, g.detector_position_mm(k));
      },
      geometry);
}
}  // namespace

int64_t view_count(const ProjectionGeometry& geometry) {
  return std::visit([](const auto& g) { return g.view_count(); }, geometry);
}

int64_t detector_count(const ProjectionGeometry& geometry) {
  return std::visit([](const auto& g) { return g.detector_count; }, geometry);
}

std::vector<int64_t> sinogram_shape(const ProjectionGeometry& geometry) {
  return {view_count(geometry), detector_count(geometry)};
}

std::string describe(const ProjectionGeometry& geometry) {
  const std::string kind = std::holds_alternative<ParallelBeamGeometry>(geometry)
                               ? "parallel-beam"
                               : std::string("fan-beam (") + detector_shape_name(std::get<FanBeamGeometry>(geometry).detector_shape) +
                                     " detector)";
  return kind + ", " + std::to_string(view_count(geometry)) + " views x " + std::to_string(detector_count(geometry)) +
         " detectors";
}

void validate(const ProjectionGeometry& geometry, const char* who) {
  std::visit([&](const auto& g) { g.validate(who); }, geometry);
}

std::vector<Ray> rays(const ProjectionGeometry& geometry) {
  validate(geometry, "rays");
  const int64_t views = view_count(geometry), detectors = detector_count(geometry);
  std::vector<Ray> result;
  result.reserve(size_t(views * detectors));
  for (int64_t v = 0; v < views; ++v) {
    for (int64_t k = 0; k < detectors; ++k) result.push_back(ray_at(geometry, v, double(k)));
  }
  return result;
}

torch::Tensor analytic_sinogram(const EllipsePhantom& phantom, const ProjectionGeometry& geometry, int detector_samples,
                                torch::ScalarType dtype) {
  validate(geometry, "analytic_sinogram");
  if (detector_samples < 1) throw std::invalid_argument("analytic_sinogram: detector_samples must be >= 1");
  const int64_t views = view_count(geometry), detectors = detector_count(geometry);
  auto sinogram = torch::zeros({views, detectors}, torch::kFloat64);
  double* out = sinogram.data_ptr<double>();
  at::parallel_for(0, views, 1, [&](int64_t begin, int64_t end) {
    for (int64_t v = begin; v < end; ++v) {
      for (int64_t k = 0; k < detectors; ++k) {
        double total = 0.0;
        for (int n = 0; n < detector_samples; ++n) {
          const double offset = (n + 0.5) / detector_samples - 0.5;
          const Ray ray = ray_at(geometry, v, double(k) + offset);
          total += line_integral(phantom, ray.x_mm, ray.y_mm, ray.direction_x, ray.direction_y);
        }
        out[v * detectors + k] = total / detector_samples;
      }
    }
  });
  return sinogram.to(dtype);
}

void check_sinogram_shape(const torch::Tensor& sinogram, const ProjectionGeometry& geometry, const std::string& what) {
  const auto expected = sinogram_shape(geometry);
  const bool ok = sinogram.dim() >= 2 && sinogram.size(-2) == expected[0] && sinogram.size(-1) == expected[1];
  if (!ok) {
    std::string got = "[";
    for (int64_t d = 0; d < sinogram.dim(); ++d) got += (d ? ", " : "") + std::to_string(sinogram.size(d));
    got += "]";
    throw std::invalid_argument(what + " has shape " + got + " but the geometry (" + describe(geometry) +
                                ") needs [..., " + std::to_string(expected[0]) + " views, " +
                                std::to_string(expected[1]) + " detectors]");
  }
}

}  // namespace diffrecon::ct
