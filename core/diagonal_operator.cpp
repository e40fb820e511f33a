#include "core/diagonal_operator.h"

#include "core/tensor_math.h"

namespace diffrecon {
namespace {

Field field_of(const torch::Tensor& weights) { return weights.is_complex() ? Field::Complex : Field::Any; }

torch::Tensor checked_weights(torch::Tensor weights, const Shape& shape, const std::string& name) {
  if (!weights.defined()) throw OperatorError(name + ": weights are undefined");
  if (!weights.is_floating_point() && !weights.is_complex())
    weights = weights.to(torch::kFloat32);  // boolean or integer masks
  try {
    (void)at::infer_size(weights.sizes(), shape);
  } catch (const c10::Error&) {
    throw OperatorError(name + ": weights of shape " + shape_to_string(weights.sizes()) +
                        " do not broadcast to the shape " + shape_to_string(shape));
  }
  if (weights.dim() > static_cast<int64_t>(shape.size()) || at::infer_size(weights.sizes(), shape) != shape)
    throw OperatorError(name + ": weights of shape " + shape_to_string(weights.sizes()) + " would enlarge the shape " +
                        shape_to_string(shape));
  return weights;
}

}  // namespace

DiagonalOperator::DiagonalOperator(torch::Tensor weights, Shape shape, std::string name)
    : LinearOperator(name, {shape, field_of(weights)}, {shape, field_of(weights)}),
      weights_(checked_weights(std::move(weights), shape, name)) {}

torch::Tensor DiagonalOperator::matched(const torch::Tensor& w, const torch::Tensor& x) const {
  const auto precision = real_dtype_of(x.scalar_type());
  const auto dtype = w.is_complex() ? complex_dtype_of(precision) : precision;
  return w.scalar_type() == dtype ? w : w.to(dtype);
}

torch::Tensor DiagonalOperator::apply_forward(const torch::Tensor& x) const { return x * matched(weights_, x); }

torch::Tensor DiagonalOperator::apply_adjoint(const torch::Tensor& y) const {
  return y * matched(weights_, y).conj();
}

torch::Tensor DiagonalOperator::apply_normal(const torch::Tensor& x) const {
  auto w = matched(weights_, x);
  return x * (w.is_complex() ? torch::real(w * w.conj()) : w.square());
}

OperatorPtr make_mask_operator(const torch::Tensor& mask, Shape shape) {
  if (!mask.defined()) throw OperatorError("Mask: mask is undefined");
  if (mask.is_complex()) throw OperatorError("Mask: a sampling mask must be real (boolean or 0/1), got complex");
  auto values = mask.to(torch::kFloat32);
  if (!values.eq(0).logical_or(values.eq(1)).all().item<bool>())
    throw OperatorError("Mask: a sampling mask must hold only 0 and 1 (use DiagonalOperator for weights)");
  return std::make_shared<DiagonalOperator>(values, std::move(shape), "Mask");
}

}  // namespace diffrecon
