#include "samplers/soft_phase.h"

#include <torch/torch.h>

#include <cmath>

namespace diffrecon {

torch::Tensor gaussian_low_pass(const torch::Tensor& planes, double smoothing) {
  const int64_t radius = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(3 * smoothing)));
  auto kernel = torch::arange(-radius, radius + 1, planes.options());
  kernel = torch::exp(-kernel.square() / (2 * smoothing * smoothing));
  kernel = kernel / kernel.sum();
  const auto shape = planes.sizes().vec();
  const int64_t height = shape[shape.size() - 2], width = shape.back();
  auto flat = planes.reshape({-1, 1, height, width});
  const std::vector<int64_t> stride{1, 1}, along_y{radius, 0}, along_x{0, radius};
  flat = torch::conv2d(flat, kernel.view({1, 1, -1, 1}), torch::Tensor(), stride, along_y);
  flat = torch::conv2d(flat, kernel.view({1, 1, 1, -1}), torch::Tensor(), stride, along_x);
  return flat.reshape(shape);
}

torch::Tensor smooth_phase_of(const torch::Tensor& z, double smoothing) {
  const auto low = gaussian_low_pass(z, smoothing);
  return torch::atan2(low.select(1, 1), low.select(1, 0));
}

torch::Tensor off_phase_normal(const torch::Tensor& z, const torch::Tensor& phase) {
  const auto c = torch::cos(phase), s = torch::sin(phase);
  const auto off = z.select(1, 1) * c - z.select(1, 0) * s;  // Im(e^{-i phi} x)
  return torch::stack({-off * s, off * c}, 1);
}

}  // namespace diffrecon
