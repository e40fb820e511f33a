#include "core/operator_checks.h"

#include "core/tensor_math.h"

#include <torch/autograd.h>

#include <algorithm>
#include <cmath>

namespace diffrecon {
namespace {

torch::Tensor random_with_shape(const Shape& batch, const Shape& shape, torch::ScalarType dtype,
                                std::optional<torch::Device> device, SeededRandom& random) {
  auto full = batch;
  full.insert(full.end(), shape.begin(), shape.end());
  return random.normal(full, torch::TensorOptions().dtype(dtype).device(device.value_or(torch::kCPU)));
}

torch::Tensor to_double(const torch::Tensor& t) {
  return t.to(t.is_complex() ? torch::kComplexDouble : torch::kFloat64);
}

double relative_difference(const torch::Tensor& value, const torch::Tensor& reference) {
  const auto scale = l2_norm(to_double(reference)).item<double>();
  const auto difference = l2_norm(to_double(value) - to_double(reference)).item<double>();
  return scale > 0 ? difference / scale : difference;
}

}  // namespace

torch::Tensor random_domain_element(const LinearOperator& op, torch::ScalarType dtype, SeededRandom& random,
                                    const Shape& batch) {
  return random_with_shape(batch, op.domain_shape(), op.domain_dtype_for(dtype), op.device(), random);
}

double adjoint_mismatch(const LinearOperator& op, torch::ScalarType dtype, SeededRandom& random, const Shape& batch) {
  torch::NoGradGuard no_grad;
  auto x = random_domain_element(op, dtype, random, batch);
  auto ax = op.forward(x);
  auto y = random_with_shape(batch, op.range_shape(), ax.scalar_type(), op.device(), random);
  auto ahy = op.adjoint(y);
  const auto lhs = c10::complex<double>(inner_product(to_double(ax), to_double(y)).to(torch::kComplexDouble).item<c10::complex<double>>());
  const auto rhs = c10::complex<double>(inner_product(to_double(x), to_double(ahy)).to(torch::kComplexDouble).item<c10::complex<double>>());
  const auto scale = std::max(std::abs(lhs), std::abs(rhs));
  return scale > 0 ? std::abs(lhs - rhs) / scale : std::abs(lhs - rhs);
}

double gradient_mismatch(const LinearOperator& op, torch::ScalarType dtype, SeededRandom& random, const Shape& batch) {
  auto x = random_domain_element(op, dtype, random, batch).requires_grad_(true);
  torch::Tensor y, expected;
  {
    torch::NoGradGuard no_grad;
    auto ax = op.forward(x);
    y = random_with_shape(batch, op.range_shape(), ax.scalar_type(), op.device(), random);
    expected = 2 * op.adjoint(ax - y);
  }
  auto loss = squared_norm(op.forward(x) - y);
  auto gradient = torch::autograd::grad({loss}, {x})[0];
  return relative_difference(gradient, expected);
}

double normal_mismatch(const LinearOperator& op, torch::ScalarType dtype, SeededRandom& random, const Shape& batch) {
  torch::NoGradGuard no_grad;
  auto x = random_domain_element(op, dtype, random, batch);
  return relative_difference(op.normal(x), op.adjoint(op.forward(x)));
}

}  // namespace diffrecon
