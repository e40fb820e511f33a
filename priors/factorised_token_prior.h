// A prior over token grids with independent tokens, token i drawn from its own categorical π_i over
// K classes, and its exact denoiser under the VQ-Diffusion process (priors/vq_diffusion_process.h):
//   p(z0_i = k | z_t) ∝ Q̄_t[z_t,i, k] π_ik,
// which is π_i for a masked token and nearly δ(z_t,i) for an unmasked one (the replacement mass b̄
// is tiny). The analytic oracle G2D2 is tested against (../shared/reference/samplers.md section 9.7):
// with an identity-embedding decoder the exact posterior p(z | y) is per token in closed form.
#pragma once

#include "priors/vq_diffusion_process.h"

#include <torch/types.h>

namespace diffrecon {

class FactorisedTokenPrior {
 public:
  // `probabilities` [K, L]: column i is π_i (non-negative, summing to 1; InputError otherwise).
  FactorisedTokenPrior(torch::Tensor probabilities, VqDiffusionProcess process);

  int64_t classes() const { return probabilities_.size(0); }
  int64_t tokens() const { return probabilities_.size(1); }
  const VqDiffusionProcess& process() const { return process_; }
  const torch::Tensor& probabilities() const { return probabilities_; }

  // log p(z0 | z_t) [B, K, L] for tokens z_t [B, L] at time t (0..T-1): the exact denoiser.
  torch::Tensor log_denoise(const torch::Tensor& z_t, int64_t t) const;

  // Exact posterior of each token given per-token log-likelihoods log p(y_i | z_i = k) [K, L].
  torch::Tensor log_posterior(const torch::Tensor& log_likelihood) const;

 private:
  torch::Tensor probabilities_;  // float64 [K, L]
  VqDiffusionProcess process_;
};

}  // namespace diffrecon
