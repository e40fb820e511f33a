#include "priors/factorised_token_prior.h"

#include "core/error.h"

#include <cmath>

namespace diffrecon {

FactorisedTokenPrior::FactorisedTokenPrior(torch::Tensor probabilities, VqDiffusionProcess process)
    : probabilities_(probabilities.to(torch::kFloat64)), process_(std::move(process)) {
  if (probabilities_.dim() != 2 || probabilities_.size(0) != process_.classes())
    throw InputError("factorised token prior: expected probabilities [" + std::to_string(process_.classes()) +
                     ", L], got " + c10::str(probabilities.sizes()));
  if ((probabilities_ < 0).any().item<bool>() ||
      !torch::allclose(probabilities_.sum(0), torch::ones({probabilities_.size(1)}, torch::kFloat64), 1e-9, 1e-9))
    throw InputError("factorised token prior: every column must be a distribution (non-negative, summing to 1)");
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
