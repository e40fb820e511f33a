// Inner products and norms that are correct for complex tensors on every LibTorch build.
//
// Debian's LibTorch 1.13 returns 0 from complex torch::vdot / torch::dot / 1-D matmul (a BLAS
// return-ABI bug, see docs/ARCHITECTURE.md), so nothing in DiffRecon calls them: every inner
// product goes through these helpers, which use elementwise products and sums.
#pragma once

#include <torch/types.h>

namespace diffrecon {

// <a, b> = sum(conj(a) * b) over all elements, as a 0-dim tensor (complex if either input is).
torch::Tensor inner_product(const torch::Tensor& a, const torch::Tensor& b);

// Re <a, b>, the inner product of the underlying real vector space (real and imaginary parts
// counted as separate coordinates). This is what gradients and step sizes need.
torch::Tensor real_inner_product(const torch::Tensor& a, const torch::Tensor& b);

// ||x||_2^2 and ||x||_2 over all elements, as real 0-dim tensors.
torch::Tensor squared_norm(const torch::Tensor& x);
torch::Tensor l2_norm(const torch::Tensor& x);

// Batched forms: reduce over the trailing `sample_ndim` dimensions only and keep them as size-1
// dimensions, so the result broadcasts against the inputs (one scalar per batch element).
torch::Tensor real_inner_product_per_sample(const torch::Tensor& a, const torch::Tensor& b, int64_t sample_ndim);
torch::Tensor squared_norm_per_sample(const torch::Tensor& x, int64_t sample_ndim);

// The dims {-sample_ndim, ..., -1} as a vector, for reductions over one sample.
std::vector<int64_t> trailing_dims(int64_t sample_ndim);

// The dtype with the same precision as `dtype` that is complex (or real).
torch::ScalarType complex_dtype_of(torch::ScalarType dtype);
torch::ScalarType real_dtype_of(torch::ScalarType dtype);

// The given percentile (in [0, 100]) of |x| over all entries, interpolating linearly between order
// statistics (numpy's default). Used for intensity normalisation and display windows.
double magnitude_percentile(const torch::Tensor& x, double percentile);

}  // namespace diffrecon
