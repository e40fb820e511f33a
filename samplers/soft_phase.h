// A soft phase model for complex MR images (issue 15; docs/samplers.md, "Soft phase"). MR images are
// real up to a slowly varying phase; a hard real-value constraint with an estimated phase loses 5-15 dB
// when the true phase has fine structure (../shared/reference/scarce_priors.md, section 3.4), so the
// phase is only encouraged: the penalty ||Im(e^{-i phi} x)||^2 / (2 s^2), with phi the phase of a
// low-passed copy of the current estimate (re-estimated as the estimate improves) and s the expected
// size of what the smooth phase cannot explain.
#pragma once

#include <torch/types.h>

namespace diffrecon {

// A separable Gaussian low-pass of standard deviation `smoothing` pixels over the last two dims of a real
// tensor [..., H, W] (zero-padded borders, radius ceil(3 smoothing)).
torch::Tensor gaussian_low_pass(const torch::Tensor& planes, double smoothing);

// The phase [B, H, W] of z [B, 2, H, W] (real, imaginary channels) after gaussian_low_pass.
torch::Tensor smooth_phase_of(const torch::Tensor& z, double smoothing);

// P^T P z for the real-linear map P z = Im(e^{-i phi} (z_0 + i z_1)): the gradient of the penalty
// ||P z||^2 / 2 with respect to z, [B, 2, H, W].
torch::Tensor off_phase_normal(const torch::Tensor& z, const torch::Tensor& phase);

}  // namespace diffrecon
