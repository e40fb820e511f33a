// Pointwise multiplication by a fixed tensor: coil sensitivities, k-space sampling masks, density
// weights, pixel-wise scalings.
#pragma once

#include "core/linear_operator.h"

namespace diffrecon {

class DiagonalOperator : public LinearOperator {
 public:
  // `weights` must broadcast to `shape` (e.g. a [1, W] line mask on [C, H, W] k-space). Complex
  // weights make the operator complex; real weights accept real and complex inputs. The weights are
  // cast to the input's precision when it differs.
  DiagonalOperator(torch::Tensor weights, Shape shape, std::string name = "Diagonal");

  const torch::Tensor& weights() const { return weights_; }
  std::optional<torch::Device> device() const override { return weights_.device(); }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override;
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override;
  torch::Tensor apply_normal(const torch::Tensor& x) const override;

 private:
  torch::Tensor matched(const torch::Tensor& w, const torch::Tensor& x) const;
  torch::Tensor weights_;
};

// A sampling mask (boolean or 0/1) as a diagonal operator named "Mask": keeps the sampled entries
// and zero-fills the others, so forward, adjoint and normal are all the same projection.
OperatorPtr make_mask_operator(const torch::Tensor& mask, Shape shape);

}  // namespace diffrecon
