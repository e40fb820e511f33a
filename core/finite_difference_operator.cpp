#include "core/finite_difference_operator.h"

namespace diffrecon {
namespace {

std::vector<int64_t> checked_dims(const Shape& shape, std::vector<int64_t> dims) {
  const auto ndim = static_cast<int64_t>(shape.size());
  dims = resolve_dims(shape, std::move(dims), "FiniteDifference");
  for (auto d : dims) {
    if (shape[ndim + d] < 2)
      throw OperatorError("FiniteDifference: dimension " + std::to_string(d) + " of " + shape_to_string(shape) +
                          " has fewer than 2 samples");
  }
  return dims;
}

Shape gradient_shape(const Shape& shape, size_t count) {
  Shape range{static_cast<int64_t>(count)};
  range.insert(range.end(), shape.begin(), shape.end());
  return range;
}

// x_{i+1} - x_i along `dim`, with a zero appended (Neumann boundary).
torch::Tensor forward_difference(const torch::Tensor& x, int64_t dim) {
  const auto n = x.size(dim);
  auto difference = x.narrow(dim, 1, n - 1) - x.narrow(dim, 0, n - 1);
  return torch::cat({difference, torch::zeros_like(x.narrow(dim, 0, 1))}, dim);
}

// The transpose of forward_difference: (D^T p)_i = p_{i-1} [i >= 1] - p_i [i <= n-2].
torch::Tensor forward_difference_transpose(const torch::Tensor& p, int64_t dim) {
  const auto n = p.size(dim);
  auto inner = p.narrow(dim, 0, n - 1);
  auto zero = torch::zeros_like(p.narrow(dim, 0, 1));
  return torch::cat({zero, inner}, dim) - torch::cat({inner, zero}, dim);
}

}  // namespace

FiniteDifferenceOperator::FiniteDifferenceOperator(Shape shape, std::vector<int64_t> dims)
    : LinearOperator("FiniteDifference", {shape, Field::Any}, {gradient_shape(shape, dims.size()), Field::Any}),
      dims_(checked_dims(shape, std::move(dims))) {}

torch::Tensor FiniteDifferenceOperator::apply_forward(const torch::Tensor& x) const {
  std::vector<torch::Tensor> parts;
  for (auto d : dims_) parts.push_back(forward_difference(x, d));
  const auto stack_dim = -static_cast<int64_t>(domain_shape().size()) - 1;
  return torch::stack(parts, stack_dim);
}

torch::Tensor FiniteDifferenceOperator::apply_adjoint(const torch::Tensor& y) const {
  const auto stack_dim = -static_cast<int64_t>(domain_shape().size()) - 1;
  torch::Tensor sum;
  for (size_t k = 0; k < dims_.size(); ++k) {
    auto term = forward_difference_transpose(y.select(stack_dim, static_cast<int64_t>(k)), dims_[k]);
    sum = sum.defined() ? sum + term : term;
  }
  return sum;
}

}  // namespace diffrecon
