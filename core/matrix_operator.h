// A dense matrix M [m, n] acting on the last dimension: [..., n] -> [..., m]. Used for small
// problems with known solutions (tests, Gaussian-prior oracles) and for coil-mixing matrices.
#pragma once

#include "core/linear_operator.h"

namespace diffrecon {

class MatrixOperator : public LinearOperator {
 public:
  explicit MatrixOperator(torch::Tensor matrix, std::string name = "Matrix");

  const torch::Tensor& matrix() const { return matrix_; }
  std::optional<torch::Device> device() const override { return matrix_.device(); }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override;
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override;

 private:
  // Always 2-D matrix products (mm), never 1-D complex matmul, which returns 0 on Debian's LibTorch.
  static torch::Tensor multiply_last_dim(const torch::Tensor& x, const torch::Tensor& matrix_transposed);
  torch::Tensor matched(const torch::Tensor& x) const;
  torch::Tensor matrix_;
};

}  // namespace diffrecon
