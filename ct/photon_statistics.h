// Statistical weighting of log-transformed photon-counting data, as penalised weighted least squares
// does (Sauer & Bouman 1993; Thibault et al. 2007, eq. 4): the measured line integral
// p_i = -log(N_i / I0) with N_i ~ Poisson(I0 exp(-p_i)) has variance 1 / (I0 exp(-p_i)) to first order,
// so a ray through 30 cm of tissue (p ~ 6) is some 20 times noisier than one through air. A likelihood
// with one sigma for every ray trusts the dense rays far too much and fits their noise; whitening the
// rows makes the noise white again.
#pragma once

#include "core/problem.h"

namespace diffrecon::ct {

// Per-ray noise standard deviation of the measured line integrals, 1 / sqrt(I0 exp(-p_i)) with p_i
// the measured value clamped at 0 (the delta method, evaluated at the measurement as PWLS does).
torch::Tensor line_integral_noise_std(const torch::Tensor& sinogram, double incident_photons);

// The whitened problem: rows scaled by w_i = exp(-p_i / 2) (the noise std of an unattenuated ray over
// ray i's), A_w = diag(w) A, y_w = w y, and white noise sigma 1 / sqrt(I0) on every ray. It has the
// same posterior as the heteroscedastic one. Throws std::invalid_argument naming the value unless
// incident_photons is positive and finite.
Problem photon_weighted_problem(OperatorPtr projector, const torch::Tensor& sinogram, double incident_photons);

}  // namespace diffrecon::ct
