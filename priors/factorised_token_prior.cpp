#include "priors/factorised_token_prior.h"

#include "core/error.h"

#include <cmath>
#include <string>

namespace diffrecon {

FactorisedTokenPrior::FactorisedTokenPrior(torch::Tensor probabilities, VqDiffusionProcess process,
                                           torch::Tensor codebook, TokenGrid grid)
    : probabilities_(probabilities.to(torch::kFloat64)), process_(std::move(process)), grid_(grid) {
  if (probabilities_.dim() != 2 || probabilities_.size(0) != process_.classes())
    throw InputError("factorised token prior: expected probabilities [" + std::to_string(process_.classes()) +
                     ", L], got " + c10::str(probabilities.sizes()));
  if ((probabilities_ < 0).any().item<bool>() ||
      !torch::allclose(probabilities_.sum(0), torch::ones({probabilities_.size(1)}, torch::kFloat64), 1e-9, 1e-9))
    throw InputError("factorised token prior: every column must be a distribution (non-negative, summing to 1)");
  const int64_t K = process_.classes(), L = probabilities_.size(1);
  codebook_ = codebook.defined() ? codebook.to(torch::kFloat64) : torch::arange(K, torch::kFloat64).unsqueeze(1);
  if (codebook_.dim() != 2 || codebook_.size(0) != K)
    throw InputError("factorised token prior: expected a codebook [" + std::to_string(K) + ", d], got " +
                     c10::str(codebook_.sizes()));
  if (grid_.tokens() == 0) grid_ = {1, L};
  if (grid_.height < 1 || grid_.width < 1 || grid_.tokens() != L)
    throw InputError("factorised token prior: a grid of " + std::to_string(grid_.height) + " x " +
                     std::to_string(grid_.width) + " does not hold its " + std::to_string(L) + " tokens");
}

TokenGrid FactorisedTokenPrior::token_grid(int64_t height, int64_t width) const {
  if (height != grid_.height || width != grid_.width)
    throw InputError("factorised token prior: decodes " + std::to_string(grid_.height) + " x " +
                     std::to_string(grid_.width) + " images only, asked for " + std::to_string(height) + " x " +
                     std::to_string(width));
  return grid_;
}

torch::Tensor FactorisedTokenPrior::log_denoise(const torch::Tensor& z_t, int64_t t, const TokenGrid& grid) const {
  token_grid(grid.height, grid.width);
  return log_denoise(z_t, t);
}

torch::Tensor FactorisedTokenPrior::decode(const torch::Tensor& soft_tokens, const TokenGrid& grid) const {
  token_grid(grid.height, grid.width);
  const auto codebook = codebook_.to(soft_tokens.options());
  const auto x = torch::einsum("bkl,kc->bcl", {soft_tokens, codebook});
  return x.reshape({soft_tokens.size(0), codebook.size(1), grid.height, grid.width});
}

torch::Tensor FactorisedTokenPrior::log_denoise(const torch::Tensor& z_t, int64_t t) const {
  const int64_t K = classes();
  // log Q̄_t[z_t, k]: c̄ for a masked token; ā + b̄ on its own class and b̄ elsewhere otherwise.
  const auto masked = (z_t == K).unsqueeze(1);                                             // [B, 1, L]
  const auto same = torch::one_hot(z_t.clamp_max(K - 1), K).movedim(-1, 1).to(torch::kBool);  // [B, K, L]
  const auto log_of = [](double v) { return torch::full({1}, v > 0 ? std::log(v) : -INFINITY, torch::kFloat64); };
  const auto likelihood =
      torch::where(masked, log_of(process_.cumulative_c(t)),
                   torch::where(same, log_of(process_.cumulative_a(t) + process_.cumulative_b(t)),
                                log_of(process_.cumulative_b(t))));
  const auto joint = likelihood + probabilities_.log().unsqueeze(0);
  return joint - torch::logsumexp(joint, 1, true);
}

torch::Tensor FactorisedTokenPrior::log_posterior(const torch::Tensor& log_likelihood) const {
  const auto joint = log_likelihood.to(torch::kFloat64) + probabilities_.log();
  return joint - torch::logsumexp(joint, 0, true);
}

}  // namespace diffrecon
