// Orthogonal 2-D (or N-D) discrete wavelet transform with periodic boundaries: Daubechies filters
// db1 (Haar) to db4, Mallat's multi-level layout in an array of the input's shape (the coarsest
// approximation band in the leading corner). With orthonormal filters and periodic extension the
// transform is unitary, so its adjoint is its inverse and its normal the identity.
#pragma once

#include "core/linear_operator.h"

#include <string>

namespace diffrecon {

class WaveletOperator : public LinearOperator {
 public:
  // `wavelet`: "db1" ("haar"), "db2", "db3" or "db4". `levels` = 0 picks the most levels for which
  // every band along every dim stays even and at least as long as the filter (at most 5). Sizes
  // along `dims` must be divisible by 2^levels.
  WaveletOperator(Shape shape, std::string wavelet = "db4", int levels = 0, std::vector<int64_t> dims = {-2, -1});

  int levels() const { return levels_; }
  const std::vector<double>& lowpass() const { return lowpass_; }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override;
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override;
  torch::Tensor apply_normal(const torch::Tensor& x) const override { return x; }

 private:
  torch::Tensor analysis(const torch::Tensor& x, int64_t dim) const;
  torch::Tensor synthesis(const torch::Tensor& y, int64_t dim) const;
  torch::Tensor leading_block(const torch::Tensor& x, int level) const;
  torch::Tensor with_leading_block(const torch::Tensor& x, const torch::Tensor& block, size_t dim_index) const;

  std::vector<double> lowpass_, highpass_;
  std::vector<int64_t> dims_;  // negative
  int levels_;
};

// How a wavelet transform fits an image of any size, as BART's pics chooses it (src/pics.c: the coarsest
// band keeps at least 16 samples along each transformed dim): `levels` halvings along `dims` (the same
// count on every dim, at least 1), the image extended to `padded`, the next multiple of 2^levels.
struct WaveletLayout {
  Shape padded;
  int levels = 1;
};
WaveletLayout wavelet_layout_for(const Shape& image, const std::vector<int64_t>& dims = {-2, -1});

}  // namespace diffrecon
