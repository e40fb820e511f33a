// Channel-space preprocessing of multi-coil data [C, ...]: noise pre-whitening (Pruessmann et al.,
// MRM 2001;46:638, appendix) and SVD coil compression (Buehrer et al., MRM 2007;57:1131; Huang et
// al., MRI 2008;26:133). Both are a C' x C matrix applied across the coil dim.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace diffrecon::mri {

// The coil noise covariance Psi = (1/N) n n^H from noise samples [C, ...] (every dim after the
// first is a sample); complex [C, C] in double precision.
torch::Tensor noise_covariance(const torch::Tensor& noise);

// W = L^{-1} with Psi = L L^H (Cholesky): W n has identity covariance. Throws std::invalid_argument
// if Psi is not positive definite (e.g. a dead channel or too few noise samples).
torch::Tensor whitening_matrix(const torch::Tensor& covariance);

// The first `virtual_coils` left singular vectors of the data [C, ...] seen as a C x N matrix,
// conjugate-transposed: a [V, C] matrix keeping the most energy.
torch::Tensor coil_compression_matrix(const torch::Tensor& data, int64_t virtual_coils);
// Fraction of the data's energy kept by the first 1..C virtual coils (non-decreasing, ends at 1).
torch::Tensor coil_energy_fractions(const torch::Tensor& data);

// M applied across the coil dim: [C', C] x [C, ...] -> [C', ...], in the data's precision.
torch::Tensor apply_coil_matrix(const torch::Tensor& matrix, const torch::Tensor& data);

// Readout oversampling removal: k-space [..., H_os, W] with the readout along H -> inverse FFT along
// the readout, keep the central H_os / factor samples of the image, FFT back: [..., H_os / factor, W].
// Orthonormal FFTs: the image values are unchanged, and white noise keeps its per-sample variance.
torch::Tensor remove_readout_oversampling(const torch::Tensor& kspace, int64_t factor = 2);

}  // namespace diffrecon::mri
