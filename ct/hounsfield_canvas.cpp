#include "ct/hounsfield_canvas.h"

#include <ATen/ops/avg_pool2d.h>
#include <ATen/ops/upsample_bicubic2d.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon::ct {

HounsfieldCanvas::HounsfieldCanvas(const ImageGrid& grid, int supersampling, double background_hu)
    : grid_(grid), supersampling_(supersampling) {
  grid_.validate("HounsfieldCanvas");
  if (supersampling < 1)
    throw std::invalid_argument("HounsfieldCanvas: supersampling must be >= 1, got " + std::to_string(supersampling));
  const int64_t rows = grid.rows * supersampling, columns = grid.columns * supersampling;
  // Supersample k of pixel j sits at j + (k + 0.5) / s - 0.5 in pixel units.
  auto offsets = [&](int64_t count) {
    return (torch::arange(count, torch::kFloat64) + 0.5) / double(supersampling) - 0.5;
  };
  const auto columns_at = offsets(columns), rows_at = offsets(rows);
  const auto x = grid.centre_x_mm + (columns_at - 0.5 * double(grid.columns - 1)) * grid.pixel_size_mm;
  const auto y = grid.centre_y_mm + (0.5 * double(grid.rows - 1) - rows_at) * grid.pixel_size_mm;
  x_ = x.unsqueeze(0).expand({rows, columns}).to(torch::kFloat32).contiguous();
  y_ = y.unsqueeze(1).expand({rows, columns}).to(torch::kFloat32).contiguous();
  hu_ = torch::full({rows, columns}, background_hu, torch::kFloat32);
}

torch::Tensor HounsfieldCanvas::ellipse(double cx, double cy, double a, double b, double rotation_deg) const {
  if (!(a > 0) || !(b > 0)) throw std::invalid_argument("HounsfieldCanvas: semi-axes must be positive");
  const double phi = rotation_deg * 3.14159265358979323846 / 180.0;
  const double c = std::cos(phi), s = std::sin(phi);
  const auto dx = x_ - cx, dy = y_ - cy;
  const auto u = (c * dx + s * dy) / a, v = (-s * dx + c * dy) / b;
  return u * u + v * v <= 1.0;
}

void HounsfieldCanvas::paint(const torch::Tensor& mask, double hu) { hu_.masked_fill_(mask, hu); }

void HounsfieldCanvas::paint(const torch::Tensor& mask, const torch::Tensor& hu) {
  hu_ = torch::where(mask, hu.to(torch::kFloat32), hu_);
}

void HounsfieldCanvas::add(const torch::Tensor& mask, const torch::Tensor& hu) {
  hu_ = torch::where(mask, hu_ + hu.to(torch::kFloat32), hu_);
}

torch::Tensor HounsfieldCanvas::smooth_field(PortableUniform& random, double correlation_mm) const {
  if (!(correlation_mm > 0)) throw std::invalid_argument("HounsfieldCanvas: correlation length must be positive");
  const auto lattice = [&](double extent_mm) {
    return static_cast<int64_t>(std::ceil(extent_mm / correlation_mm)) + 2;
  };
  const int64_t lattice_rows = lattice(grid_.height_mm()), lattice_columns = lattice(grid_.width_mm());
  std::vector<float> draws(static_cast<size_t>(lattice_rows * lattice_columns));
  for (auto& d : draws) d = static_cast<float>(random.normal());
  const auto coarse = torch::from_blob(draws.data(), {1, 1, lattice_rows, lattice_columns}, torch::kFloat32).clone();
  auto field = at::upsample_bicubic2d(coarse, {hu_.size(0), hu_.size(1)}, true).squeeze();
  return (field - field.mean()) / field.std().clamp_min(1e-6);
}

torch::Tensor HounsfieldCanvas::image() const {
  if (supersampling_ == 1) return hu_.clone();
  return at::avg_pool2d(hu_.unsqueeze(0).unsqueeze(0), supersampling_).squeeze(0).squeeze(0);
}

}  // namespace diffrecon::ct
