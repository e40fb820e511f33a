// A prior over token grids with independent tokens, token i drawn from its own categorical π_i over
// K classes, and its exact denoiser under the VQ-Diffusion process (priors/vq_diffusion_process.h):
//   p(z0_i = k | z_t) ∝ Q̄_t[z_t,i, k] π_ik,
// which is π_i for a masked token and nearly δ(z_t,i) for an unmasked one (the replacement mass b̄
// is tiny). The analytic oracle G2D2 is tested against (../shared/reference/samplers.md section 9.7):
// with its identity-embedding decoder (token i is pixel i of the grid, with the value C[z_i] in each
// of the codebook's d channels) the exact posterior p(z | y) is per token in closed form.
#pragma once

#include "priors/token_prior.h"
#include "priors/vq_diffusion_process.h"

#include <torch/types.h>

namespace diffrecon {

class FactorisedTokenPrior final : public TokenPrior {
 public:
  // `probabilities` [K, L]: column i is π_i (non-negative, summing to 1; InputError otherwise).
  // `codebook` [K, d] (default: the values 0 .. K-1, d = 1) and `grid` (default 1 x L) make the decoder.
  FactorisedTokenPrior(torch::Tensor probabilities, VqDiffusionProcess process, torch::Tensor codebook = {},
                       TokenGrid grid = {});

  int64_t tokens() const { return probabilities_.size(1); }
  const VqDiffusionProcess& process() const override { return process_; }
  const torch::Tensor& probabilities() const { return probabilities_; }
  const torch::Tensor& codebook() const { return codebook_; }
  const TokenGrid& grid() const { return grid_; }

  int64_t image_channels() const override { return codebook_.size(1); }
  // The prior's own grid; InputError for any other image size.
  TokenGrid token_grid(int64_t height, int64_t width) const override;
  // log p(z0 | z_t) [B, K, L] for tokens z_t [B, L] at time t (0..T-1): the exact denoiser (float64).
  torch::Tensor log_denoise(const torch::Tensor& z_t, int64_t t) const;
  torch::Tensor log_denoise(const torch::Tensor& z_t, int64_t t, const TokenGrid& grid) const override;
  // x[b, :, i] = sum_k soft[b, k, i] C[k, :], as [B, d, Ht, Wt] in the tokens' dtype.
  torch::Tensor decode(const torch::Tensor& soft_tokens, const TokenGrid& grid) const override;

  // Exact posterior of each token given per-token log-likelihoods log p(y_i | z_i = k) [K, L].
  torch::Tensor log_posterior(const torch::Tensor& log_likelihood) const;

 private:
  torch::Tensor probabilities_;  // float64 [K, L]
  VqDiffusionProcess process_;
  torch::Tensor codebook_;       // float64 [K, d]
  TokenGrid grid_;
};

}  // namespace diffrecon
