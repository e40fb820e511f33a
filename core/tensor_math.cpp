#include "core/tensor_math.h"

#include <cmath>

#include <stdexcept>

namespace diffrecon {

torch::Tensor inner_product(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.conj() * b).sum();
}

torch::Tensor real_inner_product(const torch::Tensor& a, const torch::Tensor& b) {
  if (!a.is_complex() && !b.is_complex()) return (a * b).sum();
  return torch::real((a.conj() * b).sum());
}

torch::Tensor squared_norm(const torch::Tensor& x) {
  return x.is_complex() ? (torch::real(x).square() + torch::imag(x).square()).sum() : x.square().sum();
}

torch::Tensor l2_norm(const torch::Tensor& x) { return squared_norm(x).sqrt(); }

std::vector<int64_t> trailing_dims(int64_t sample_ndim) {
  std::vector<int64_t> dims;
  for (int64_t d = -sample_ndim; d < 0; ++d) dims.push_back(d);
  return dims;
}

torch::Tensor real_inner_product_per_sample(const torch::Tensor& a, const torch::Tensor& b, int64_t sample_ndim) {
  auto product = (a.is_complex() || b.is_complex()) ? torch::real(a.conj() * b) : a * b;
  return product.sum(trailing_dims(sample_ndim), /*keepdim=*/true);
}

torch::Tensor squared_norm_per_sample(const torch::Tensor& x, int64_t sample_ndim) {
  return real_inner_product_per_sample(x, x, sample_ndim);
}

torch::ScalarType complex_dtype_of(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32:
    case torch::kComplexFloat: return torch::kComplexFloat;
    case torch::kFloat64:
    case torch::kComplexDouble: return torch::kComplexDouble;
    default: throw std::invalid_argument(std::string("no complex type for dtype ") + c10::toString(dtype));
  }
}

torch::ScalarType real_dtype_of(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32:
    case torch::kComplexFloat: return torch::kFloat32;
    case torch::kFloat64:
    case torch::kComplexDouble: return torch::kFloat64;
    default: throw std::invalid_argument(std::string("no real type for dtype ") + c10::toString(dtype));
  }
}

double magnitude_percentile(const torch::Tensor& x, double percentile) {
  if (!(percentile >= 0 && percentile <= 100))
    throw std::invalid_argument("percentile " + std::to_string(percentile) + " is outside [0, 100]");
  if (x.numel() == 0) throw std::invalid_argument("percentile of an empty tensor");
  auto magnitude = std::get<0>(x.detach().abs().flatten().to(torch::kCPU, torch::kFloat64).sort());
  const double position = percentile / 100.0 * static_cast<double>(magnitude.numel() - 1);
  const auto lower = static_cast<int64_t>(std::floor(position));
  const auto upper = std::min<int64_t>(lower + 1, magnitude.numel() - 1);
  const double weight = position - static_cast<double>(lower);
  const auto* values = magnitude.data_ptr<double>();
  return (1 - weight) * values[lower] + weight * values[upper];
}

}  // namespace diffrecon
