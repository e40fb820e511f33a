#include "ct/filtered_back_projection.h"

#include "ct/angular_weights.h"
#include "ct/parker_weights.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace diffrecon::ct {
namespace {
constexpr double kPi = 3.14159265358979323846;

// Per-view constants of the back-projection.
struct View {
  double cos_angle, sin_angle, weight;
};

// Linear interpolation of one filtered projection at fractional detector index k (0 outside).
inline double interpolate(const double* row, int64_t detectors, double k) {
  if (!(k > -1.0 && k < double(detectors))) return 0.0;
  // k + 1 > 0, so truncation is floor (std::floor is a library call without SSE4.1).
  const int64_t k0 = int64_t(k + 1.0) - 1;
  const double w = k - double(k0);
  const double left = k0 >= 0 ? row[k0] : 0.0;
  const double right = k0 + 1 < detectors ? row[k0 + 1] : 0.0;
  return (1.0 - w) * left + w * right;
}

// Back-projects filtered rows q [B, V, K] onto the grid; `detector_index(view, x, y, &scale)` gives
// the fractional detector index a pixel projects to and the distance weight.
template <typename IndexOf>
torch::Tensor back_project(const torch::Tensor& filtered, const std::vector<View>& views, const ImageGrid& grid,
                           IndexOf&& detector_index) {
  const int64_t batch = filtered.size(0), view_count = filtered.size(1), detectors = filtered.size(2);
  auto image = torch::zeros({batch, grid.rows, grid.columns}, torch::kFloat64);
  const double* q = filtered.data_ptr<double>();
  double* out = image.data_ptr<double>();
  at::parallel_for(0, batch * grid.rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / grid.rows, i = item % grid.rows;
      const double y = grid.y_of_row(double(i));
      double* row_out = out + item * grid.columns;
      for (int64_t v = 0; v < view_count; ++v) {
        const View& view = views[v];
        const double* row = q + (b * view_count + v) * detectors;
        for (int64_t j = 0; j < grid.columns; ++j) {
          double scale = 1.0;
          const double k = detector_index(view, grid.x_of_column(double(j)), y, &scale);
          row_out[j] += view.weight * scale * interpolate(row, detectors, k);
        }
      }
    }
  });
  return image;
}

std::vector<double> radians(const std::vector<double>& angles_deg) {
  std::vector<double> result;
  for (double angle : angles_deg) result.push_back(angle * kPi / 180.0);
  return result;
}

// `scale` times the angular quadrature weights (ct/angular_weights.h) per view.
std::vector<View> make_views(const std::vector<double>& angles_rad, const std::vector<double>& weights, double scale) {
  std::vector<View> views;
  for (size_t v = 0; v < angles_rad.size(); ++v) {
    views.push_back({std::cos(angles_rad[v]), std::sin(angles_rad[v]), scale * weights[v]});
  }
  return views;
}

torch::Tensor parallel_fbp(const torch::Tensor& sinogram, const ParallelBeamGeometry& g, const ImageGrid& grid,
                           RampFilter filter, double cutoff) {
  const auto q = ramp_filter(sinogram, g.detector_spacing_mm, filter, DetectorSampling::EvenInLength, cutoff).contiguous();
  // Lines repeat every pi: weights over the half circle (pi/N for N evenly spaced views).
  const auto angles = radians(g.angles_deg);
  const auto views = make_views(angles, circular_angular_weights(angles, kPi), 1.0);
  const double centre_index = 0.5 * double(g.detector_count - 1);
  return back_project(q, views, grid, [&](const View& v, double x, double y, double*) {
    return (x * v.cos_angle + y * v.sin_angle - g.detector_offset_mm) / g.detector_spacing_mm + centre_index;
  });
}

torch::Tensor fan_fbp(const torch::Tensor& sinogram, const FanBeamGeometry& g, const ImageGrid& grid,
                      RampFilter filter, double cutoff) {
  const double R = g.source_to_isocentre_mm, D = g.source_to_detector_mm;
  const int64_t K = g.detector_count;
  auto weighted = sinogram;
  const auto angles = radians(g.angles_deg);
  std::vector<View> views;
  if (g.is_short_scan()) {
    weighted = weighted * parker_weights(g).unsqueeze(0);
    views = make_views(angles, open_angular_weights(angles), 1.0);
  } else {
    views = make_views(angles, circular_angular_weights(angles, 2.0 * kPi), 0.5);  // every line twice
  }
  // Pre-weights and the filter's sampling.
  auto u = torch::empty({K}, torch::kFloat64);
  for (int64_t k = 0; k < K; ++k) u[k] = g.detector_position_mm(double(k));
  const double centre_index = 0.5 * double(K - 1);
  if (g.detector_shape == DetectorShape::Flat) {
    const auto u_iso = u * (R / D);
    weighted = weighted * (R / torch::sqrt(R * R + u_iso.square()));
    const auto q =
        ramp_filter(weighted, g.detector_spacing_mm * R / D, filter, DetectorSampling::EvenInLength, cutoff).contiguous();
    return back_project(q, views, grid, [&](const View& v, double x, double y, double* scale) {
      // x . c with c = (-sin, cos), x . a with a = (cos, sin).
      const double along = R - x * v.sin_angle + y * v.cos_angle;
      const double across = x * v.cos_angle + y * v.sin_angle;
      const double U = along / R;
      *scale = 1.0 / (U * U);
      const double u_detector = across / along * D;  // u'(x) D / R = R (x.a) / (R + x.c) * D / R
      return (u_detector - g.detector_offset_mm) / g.detector_spacing_mm + centre_index;
    });
  }
  const auto gamma = u / D;
  weighted = weighted * (R * torch::cos(gamma));
  const auto q = ramp_filter(weighted, g.detector_spacing_mm / D, filter, DetectorSampling::EvenInAngle, cutoff).contiguous();
  return back_project(q, views, grid, [&](const View& v, double x, double y, double* scale) {
    const double along = R - x * v.sin_angle + y * v.cos_angle;
    const double across = x * v.cos_angle + y * v.sin_angle;
    *scale = 1.0 / (along * along + across * across);
    const double u_detector = std::atan2(across, along) * D;
    return (u_detector - g.detector_offset_mm) / g.detector_spacing_mm + centre_index;
  });
}

}  // namespace

double resolved_frequency_cutoff(const FilteredBackProjectionOptions& options, const ProjectionGeometry& geometry,
                                 const ImageGrid& grid) {
  if (options.frequency_cutoff != 0.0) {
    if (!(options.frequency_cutoff > 0.0 && options.frequency_cutoff <= 1.0)) {
      throw std::invalid_argument("filtered_back_projection: the frequency cutoff must be in (0, 1], or 0 for automatic");
    }
    return options.frequency_cutoff;
  }
  // Detector spacing where it samples the object: at the isocentre (R/D times the spacing on the
  // detector; for a curved one the arc length scales the same way at the centre).
  const double spacing_at_isocentre = std::visit(
      [](const auto& g) {
        using G = std::decay_t<decltype(g)>;
        if constexpr (std::is_same_v<G, ParallelBeamGeometry>) return g.detector_spacing_mm;
        else return g.detector_spacing_mm / g.magnification();
      },
      geometry);
  return std::min(1.0, spacing_at_isocentre / grid.pixel_size_mm);
}

torch::Tensor filtered_back_projection(const torch::Tensor& sinogram, const ProjectionGeometry& geometry,
                                       const ImageGrid& grid, const FilteredBackProjectionOptions& options) {
  validate(geometry, "filtered_back_projection");
  grid.validate("filtered_back_projection");
  check_sinogram_shape(sinogram, geometry, "filtered_back_projection: the sinogram");
  if (sinogram.scalar_type() != torch::kFloat32 && sinogram.scalar_type() != torch::kFloat64) {
    throw std::invalid_argument("filtered_back_projection: the sinogram must be float32 or float64");
  }
  const auto batch_shape = sinogram.sizes().slice(0, sinogram.dim() - 2).vec();
  const auto input = sinogram.detach().to(torch::kCPU).to(torch::kFloat64).reshape(
      {-1, view_count(geometry), detector_count(geometry)});
  const double cutoff = resolved_frequency_cutoff(options, geometry, grid);
  torch::Tensor image = std::visit(
      [&](const auto& g) {
        using G = std::decay_t<decltype(g)>;
        if constexpr (std::is_same_v<G, ParallelBeamGeometry>) return parallel_fbp(input, g, grid, options.filter, cutoff);
        else return fan_fbp(input, g, grid, options.filter, cutoff);
      },
      geometry);
  auto shape = batch_shape;
  shape.push_back(grid.rows);
  shape.push_back(grid.columns);
  return image.reshape(shape).to(sinogram.scalar_type()).to(sinogram.device());
}

}  // namespace diffrecon::ct
