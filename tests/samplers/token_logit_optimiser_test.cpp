// G2D2's per-step problem on the discrete oracle (../shared/reference/samplers.md section 9.7):
// independent categorical tokens, an identity-embedding decoder (token k -> value e_k) and
// y_i = e_{z_i} + sigma n_i. With the squared data term / (2 sigma^2) and KL weight 1 the objective is
// E_q[-log p(y | z)] + KL(q || prior), minimised exactly by the per-token posterior, which the
// relaxed problem approaches at a low Gumbel-softmax temperature; a large KL weight gives the prior
// back, a tiny one the maximum-likelihood token.
#include "samplers/token_logit_optimiser.h"

#include "priors/factorised_token_prior.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

struct Oracle {
  torch::Tensor values, prior, y, posterior;  // [K], [K, L], [L], [K, L]
  double sigma = 0.5;
  TokenDataTerm data;
};

Oracle make_oracle(int64_t L) {
  const int64_t K = 3;
  Oracle o;
  auto generator = at::detail::createCPUGenerator(2);
  o.values = torch::tensor({-1.0, 0.0, 1.5}, torch::kFloat64);
  o.prior = torch::softmax(torch::randn({K, L}, generator, torch::kFloat64), 0);
  const auto z = torch::multinomial(o.prior.t(), 1, true, generator).squeeze(1);
  o.y = o.values.index({z}) + o.sigma * torch::randn({L}, generator, torch::kFloat64);
  const auto log_likelihood = -(o.y.unsqueeze(0) - o.values.unsqueeze(1)).square() / (2 * o.sigma * o.sigma);
  o.posterior = FactorisedTokenPrior(o.prior, VqDiffusionProcess(K)).log_posterior(log_likelihood).exp();
  const auto values = o.values, y = o.y;
  const double sigma = o.sigma;
  o.data = [values, y, sigma](const torch::Tensor& soft) {
    const auto x = (soft * values.unsqueeze(1)).sum(0);  // the decoder: soft tokens -> values
    return (y - x).square().sum() / (2 * sigma * sigma);
  };
  return o;
}

double mean_total_variation(const torch::Tensor& log_q, const torch::Tensor& p) {
  return 0.5 * (log_q.exp() - p).abs().sum(0).mean().item<double>();
}

TEST(TokenLogitOptimiser, ApproachesTheExactPerTokenPosterior) {
  const auto o = make_oracle(400);
  SeededRandom random(4);
  TokenLogitOptions options;
  options.iterations = 3000;
  options.lr = 0.02;
  options.kl_weight = 1.0;
  options.temperature = 0.1;
  const auto logits = optimise_token_logits(o.prior.log(), o.prior.log(), o.data, options, random);
  const double distance = mean_total_variation(logits, o.posterior);
  const double prior_distance = mean_total_variation(o.prior.log(), o.posterior);
  std::printf("mean total variation to the posterior: %.4f (the prior's: %.4f)\n", distance, prior_distance);
  EXPECT_LT(distance, 0.05);
  EXPECT_GT(prior_distance, 0.2);  // the data move the tokens far from the prior
}

TEST(TokenLogitOptimiser, LargeKlWeightKeepsThePriorAndASmallOneTheLikeliestToken) {
  const auto o = make_oracle(200);
  SeededRandom random(5);
  TokenLogitOptions options;
  options.iterations = 2000;
  options.lr = 0.01;
  options.temperature = 0.1;
  options.kl_weight = 100;
  const auto kept = optimise_token_logits(o.prior.log(), o.prior.log(), o.data, options, random);
  std::printf("kl weight 100: mean total variation to the prior %.4f\n", mean_total_variation(kept, o.prior));
  EXPECT_LT(mean_total_variation(kept, o.prior), 0.05);
  options.kl_weight = 1e-4;
  options.lr = 0.05;
  const auto fitted = optimise_token_logits(o.prior.log(), o.prior.log(), o.data, options, random);
  const auto likeliest = (o.y.unsqueeze(0) - o.values.unsqueeze(1)).abs().argmin(0);
  const double agreement = (fitted.argmax(0) == likeliest).to(torch::kFloat64).mean().item<double>();
  const double confidence = std::get<0>(fitted.exp().max(0)).mean().item<double>();
  const double prior_agreement = (o.prior.argmax(0) == likeliest).to(torch::kFloat64).mean().item<double>();
  std::printf("kl weight 1e-4: the likeliest token for %.3f of the tokens (the prior's mode: %.3f), confidence %.3f\n",
              agreement, prior_agreement, confidence);
  // Not all: near the midpoint of two values the relaxed objective's minimum need not be the likeliest token.
  EXPECT_GT(agreement, 0.93);
  EXPECT_LT(prior_agreement, 0.7);
  EXPECT_GT(confidence, 0.9);
}

}  // namespace
}  // namespace diffrecon
