#include "core/matrix_operator.h"

#include "core/tensor_math.h"

namespace diffrecon {
namespace {

torch::Tensor checked_matrix(torch::Tensor matrix, const std::string& name) {
  if (!matrix.defined() || matrix.dim() != 2)
    throw OperatorError(name + ": expected a 2-D matrix, got shape " +
                        (matrix.defined() ? shape_to_string(matrix.sizes()) : std::string("undefined")));
  if (!matrix.is_floating_point() && !matrix.is_complex()) matrix = matrix.to(torch::kFloat64);
  return matrix;
}

// The space matrix dimension `dim` acts on (1: domain, 0: range).
Space space_of(const torch::Tensor& matrix, const std::string& name, int64_t dim) {
  auto checked = checked_matrix(matrix, name);
  return {{checked.size(dim)}, checked.is_complex() ? Field::Complex : Field::Any};
}

}  // namespace

MatrixOperator::MatrixOperator(torch::Tensor matrix, std::string name)
    : LinearOperator(name, space_of(matrix, name, 1), space_of(matrix, name, 0)),
      matrix_(checked_matrix(std::move(matrix), name)) {}

torch::Tensor MatrixOperator::multiply_last_dim(const torch::Tensor& x, const torch::Tensor& matrix_transposed) {
  auto shape = x.sizes().vec();
  shape.back() = matrix_transposed.size(1);
  return x.reshape({-1, x.size(-1)}).mm(matrix_transposed).reshape(shape);
}

torch::Tensor MatrixOperator::matched(const torch::Tensor& x) const {
  const auto precision = real_dtype_of(x.scalar_type());
  auto dtype = matrix_.is_complex() || x.is_complex() ? complex_dtype_of(precision) : precision;
  return matrix_.to(dtype);
}

torch::Tensor MatrixOperator::apply_forward(const torch::Tensor& x) const {
  auto m = matched(x);
  return multiply_last_dim(x.to(m.scalar_type()), m.t());
}

torch::Tensor MatrixOperator::apply_adjoint(const torch::Tensor& y) const {
  auto m = matched(y);
  return multiply_last_dim(y.to(m.scalar_type()), m.conj());
}

}  // namespace diffrecon
