// Diffusion samplers built around exact data consistency: DiffPIR (Zhu et al., CVPR 2023 workshops,
// "Denoising Diffusion Models for Plug-and-Play Image Restoration", Algorithm 1) and DDS (Chung, Lee &
// Ye, ICLR 2024, "Decomposed Diffusion Sampler", Algorithm 2), which share one loop (docs/samplers.md,
// "Samplers with exact data consistency"). Over a poly-7 grid sigma_0 > ... > sigma_{N-1}, sigma_N = 0:
//   1. x0_hat = D(x_k; sigma_k)                                  (Tweedie; one network evaluation)
//   2. x0_y   = argmin_x ||A x - y||^2 / (2 v) + lambda ||x - x0_hat||^2 / (2 sigma_k^2)
//               by cg_iterations CG iterations on (A^H A + rho_k I) x = A^H y + rho_k x0_hat from x0_hat,
//               rho_k = lambda v / sigma_k^2 (DiffPIR eq. 12 with its rho_t = lambda sigma_n^2 / sigma_t^2);
//               lambda = 0 is DDS: CG on the unregularised normal equations, started at x0_hat, whose few
//               iterations stay in the Krylov space around it (DDS eq. 14);
//   3. x_{k+1} = x0_y + sigma_{k+1} (sqrt(1 - zeta) eps_hat + sqrt(zeta) eps), eps_hat = (x_k - x0_y) / sigma_k
//      (DiffPIR eq. 13 in EDM's variance-exploding form; zeta = 1: fresh noise only).
// v is the component variance of tau (0: the problem's sigma_y). No gradient passes through the network.
// The oracle variant (prior_std s of an isotropic Gaussian prior: rho_k = v / r_k^2 with r_k^2 =
// sigma_k^2 s^2 / (s^2 + sigma_k^2), the exact variance of p(x0 | x_k)) makes x0_y the exact posterior
// denoiser E[x0 | x_k, y], so the loop is DDIM on the posterior itself and samples it exactly as the
// steps grow (docs/samplers.md, "Samplers with exact data consistency").
#pragma once

#include "samplers/denoiser_sampler.h"

#include <optional>

namespace diffrecon {

struct DiffPirOptions {
  int64_t steps = 100;
  double sigma_max = 80.0, sigma_min = 0.002;
  double lambda = 1.0;         // prior weight of the data step; 0: DDS's unregularised CG
  double zeta = 0.3;           // share of fresh noise in the re-noising
  int64_t cg_iterations = 5;
  double tau = 0.0;            // noise standard deviation of the data term; 0: the problem's sigma_y
  std::optional<double> prior_std;  // the oracle's rho_k for an isotropic Gaussian prior (overrides lambda)
  // Soft phase model (samplers/soft_phase.h): for complex images the data step also penalises
  // ||Im(e^{-i phi} x)||^2 / (2 phase_std^2), phi the phase of the previous step's x0_y low-passed by a
  // Gaussian of phase_smoothing pixels; real images (CT) have no phase and ignore it. 0 disables it.
  double phase_std = 0.0;
  double phase_smoothing = 4.0;
};

// The soft phase term of one data step: phase [B, H, W] and its weight v / phase_std^2 (0: none).
struct PhasePenalty {
  torch::Tensor phase;
  double weight = 0.0;
};

// Step 2 alone: cg_iterations CG iterations on (A^H A + rho I + w P^T P) x = A^H y + rho x0_hat from
// x0_hat, for chains x0_hat [B, Ch, H, W] (P: the off-phase part of `phase`, w its weight).
torch::Tensor diffpir_data_step(const PosteriorProblem& problem, const torch::Tensor& x0_hat, double rho,
                                int64_t cg_iterations, const PhasePenalty& phase = {});

class DiffPirSampler final : public DenoiserSampler {
 public:
  // `name` is the registry's ("diffpir" or "dds"): the two differ only in their parameters. Throws
  // InputError naming the option that is out of range.
  DiffPirSampler(DenoiserPtr prior, DiffPirOptions options, std::string name = "diffpir");
  std::string name() const override { return name_; }
  std::vector<std::pair<std::string, std::string>> parameters() const override;
  int64_t evaluations_per_chain() const override { return options_.steps; }
  bool differentiates_network() const override { return false; }
  torch::Tensor sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                       const StepCallback& on_step) const override;

 private:
  DiffPirOptions options_;
  std::string name_;
};

}  // namespace diffrecon
