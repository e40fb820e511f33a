#include "core/fft_operator.h"

#include <torch/types.h>
#include <torch/fft.h>

#include <algorithm>

namespace diffrecon {
namespace {

std::vector<int64_t> normalised_dims(const Shape& shape, std::vector<int64_t> dims) {
  dims = resolve_dims(shape, std::move(dims), "FFT");
  std::sort(dims.begin(), dims.end());  // the transform does not depend on the order
  return dims;
}

std::string fft_name(const std::vector<int64_t>& dims, bool centred) {
  std::string name = centred ? "FFT(dims " : "UncentredFFT(dims ";
  for (size_t i = 0; i < dims.size(); ++i) name += (i ? "," : "") + std::to_string(dims[i]);
  return name + ")";
}

}  // namespace

FFTOperator::FFTOperator(Shape shape, std::vector<int64_t> dims, bool centred)
    : LinearOperator(fft_name(normalised_dims(shape, dims), centred), {shape, Field::Complex},
                     {shape, Field::Complex}),
      dims_(normalised_dims(shape, std::move(dims))),
      centred_(centred) {}

// Forward S_f F S_i; its adjoint is S_i^-1 F^H S_f^-1 = fftshift F^H ifftshift (shifts are
// permutations, so their transposes are their inverses; this matters for odd sizes).
torch::Tensor FFTOperator::apply_forward(const torch::Tensor& x) const {
  if (!centred_) return torch::fft::fftn(x, c10::nullopt, dims_, "ortho");
  return torch::fft::fftshift(torch::fft::fftn(torch::fft::ifftshift(x, dims_), c10::nullopt, dims_, "ortho"), dims_);
}

torch::Tensor FFTOperator::apply_adjoint(const torch::Tensor& y) const {
  if (!centred_) return torch::fft::ifftn(y, c10::nullopt, dims_, "ortho");
  return torch::fft::fftshift(torch::fft::ifftn(torch::fft::ifftshift(y, dims_), c10::nullopt, dims_, "ortho"), dims_);
}

}  // namespace diffrecon
