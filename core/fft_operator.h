// Centred orthonormal FFT over chosen dimensions: ifftshift -> FFT ("ortho") -> fftshift, the
// convention of BART's fftc/fftuc and fastMRI's fft2c, so the DC sample sits at index N/2. The
// operator is unitary, so its normal operator is the identity.
#pragma once

#include "core/linear_operator.h"

namespace diffrecon {

class FFTOperator : public LinearOperator {
 public:
  // `dims` index the domain shape; negative values count from its end ({-2, -1} for 2-D images).
  FFTOperator(Shape shape, std::vector<int64_t> dims, bool centred = true);

  const std::vector<int64_t>& dims() const { return dims_; }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override;
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override;
  torch::Tensor apply_normal(const torch::Tensor& x) const override { return x; }

 private:
  std::vector<int64_t> dims_;  // negative, relative to the end of the tensor, so batching is free
  bool centred_;
};

}  // namespace diffrecon
