#include "samplers/soft_phase.h"

#include <torch/torch.h>

#include <cmath>

namespace diffrecon {

torch::Tensor smooth_phase_of(const torch::Tensor& z, double smoothing) {
  const int64_t radius = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(3 * smoothing)));
  auto kernel = torch::arange(-radius, radius + 1, z.options());
  kernel = torch::exp(-kernel.square() / (2 * smoothing * smoothing));
  kernel = kernel / kernel.sum();
  const int64_t batch = z.size(0), height = z.size(-2), width = z.size(-1);
  auto planes = z.reshape({batch * 2, 1, height, width});
  const std::vector<int64_t> stride{1, 1}, along_y{radius, 0}, along_x{0, radius};
  planes = torch::conv2d(planes, kernel.view({1, 1, -1, 1}), torch::Tensor(), stride, along_y);
  planes = torch::conv2d(planes, kernel.view({1, 1, 1, -1}), torch::Tensor(), stride, along_x);
  planes = planes.reshape({batch, 2, height, width});
  return torch::atan2(planes.select(1, 1), planes.select(1, 0));
}

torch::Tensor off_phase_normal(const torch::Tensor& z, const torch::Tensor& phase) {
  const auto c = torch::cos(phase), s = torch::sin(phase);
  const auto off = z.select(1, 1) * c - z.select(1, 0) * s;  // Im(e^{-i phi} x)
  return torch::stack({-off * s, off * c}, 1);
}

}  // namespace diffrecon
