// Forward finite differences (the discrete gradient of total variation) with Neumann boundaries:
// (D_d x)_i = x_{i+1} - x_i, and 0 at the last index. The differences along each chosen dimension
// are stacked in a new dimension in front of the domain: [..., *shape] -> [..., K, *shape].
// The adjoint is minus the matching backward-difference divergence.
#pragma once

#include "core/linear_operator.h"

namespace diffrecon {

class FiniteDifferenceOperator : public LinearOperator {
 public:
  // `dims` index `shape`; negative values count from its end. Default: the last two (an image).
  explicit FiniteDifferenceOperator(Shape shape, std::vector<int64_t> dims = {-2, -1});

  const std::vector<int64_t>& dims() const { return dims_; }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override;
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override;

 private:
  std::vector<int64_t> dims_;  // negative, relative to the end of the domain
};

}  // namespace diffrecon
