// The VQ-Diffusion process against explicit (K+1) x (K+1) matrices in float64: the cumulative
// matrices are the products of the per-step ones, the marginals are their columns, the posterior is
// the x0-mixture of the exact Bayes posteriors (and normalised), the closed forms of a masked token
// hold, sampled mask fractions fall within 4 standard errors, and the star-shaped mask counts are
// the released code's (g2d2.md sections 1-2).
#include "priors/factorised_token_prior.h"
#include "priors/vq_diffusion_process.h"

#include "core/error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

namespace diffrecon {
namespace {

double max_difference(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(VqDiffusionProcess, CumulativeMatricesAreProductsOfTheStepsAndTheReleasedScheduleIsAbsorbing) {
  for (int64_t steps : {10, 100}) {
    const VqDiffusionProcess process(4, steps);
    auto product = torch::eye(5, torch::kFloat64);
    for (int64_t t = 0; t < steps; ++t) {
      product = process.transition(t).mm(product);
      EXPECT_LT(max_difference(product, process.cumulative_transition(t)), 1e-12) << "t = " << t;
      EXPECT_NEAR(process.cumulative_a(t) + process.cumulative_c(t), 0.999999, 1e-12);
      EXPECT_NEAR(process.classes() * process.cumulative_b(t), 1e-6, 1e-12);
      // Columns are distributions.
      EXPECT_LT(max_difference(process.transition(t).sum(0), torch::ones({5}, torch::kFloat64)), 1e-12);
    }
  }
  const VqDiffusionProcess process(16);
  EXPECT_NEAR(process.a(50), 0.98, 1e-4);
  EXPECT_NEAR(process.cumulative_a(50), 0.4949, 1e-4);
  EXPECT_NEAR(process.c(99), 0.99901, 1e-5);
}

TEST(VqDiffusionProcess, MarginalOfATokenIsItsColumnOfTheCumulativeMatrix) {
  const VqDiffusionProcess process(4, 10);
  const auto tokens = torch::arange(5, torch::kLong).unsqueeze(0);  // every class once, [1, L = 5]
  const auto log_x0 = torch::one_hot(tokens, 5).movedim(-1, -2).to(torch::kFloat64).log();
  for (int64_t t : {0, 4, 9}) {
    const auto marginal = process.log_marginal(log_x0, t).exp()[0];  // [K+1, L]: column l is q(. | x0 = l)
    EXPECT_LT(max_difference(marginal, process.cumulative_transition(t)), 1e-12) << "t = " << t;
  }
}

TEST(VqDiffusionProcess, PosteriorIsTheMixtureOverX0OfTheExactBayesPosteriors) {
  const int64_t K = 4;
  const VqDiffusionProcess process(K, 10);
  auto generator = at::detail::createCPUGenerator(7);
  const auto p0 = torch::softmax(3 * torch::randn({K, K + 1}, generator, torch::kFloat64), 0);  // [K, L]: one p̂0 per x_t
  const auto x_t = torch::arange(K + 1, torch::kLong);                                         // every x_t, masked too
  for (int64_t t : {1, 5, 9}) {
    const auto posterior = process.log_posterior(p0.log(), x_t, t).exp();  // [K+1, L]
    const auto step = process.transition(t), before = process.cumulative_transition(t - 1);
    const auto after = process.cumulative_transition(t);
    for (int64_t l = 0; l <= K; ++l) {
      const int64_t i = l;  // x_t
      auto expected = torch::zeros({K + 1}, torch::kFloat64);
      for (int64_t k = 0; k < K; ++k) {
        // Bayes: q(x_{t-1} = j | x_t = i, x0 = k) = Q_t[i, j] Q̄_{t-1}[j, k] / Q̄_t[i, k].
        auto bayes = step[i] * before.index({torch::indexing::Slice(), k});
        EXPECT_NEAR(bayes.sum().item<double>(), after[i][k].item<double>(), 1e-12);  // Chapman-Kolmogorov
        expected += p0[k][l] * bayes / bayes.sum();
      }
      EXPECT_LT(max_difference(posterior.index({torch::indexing::Slice(), l}), expected), 1e-10) << "t " << t << ", x_t " << i;
      // Normalised up to the schedule's own rounding: b_t = (1 - a_t - c_t) / K cancels to ~1e-7 in
      // float64, so Q_t Q̄_{t-1} matches Q̄_t only to ~1e-11 where Q̄_t is ~b̄ (seen: 2.5e-11).
      EXPECT_NEAR(posterior.index({torch::indexing::Slice(), l}).sum().item<double>(), 1.0, 1e-9);
    }
    // A masked token, closed form: p(j < K) = (c_t / c̄_t)(ā_{t-1} p̂0[j] + b̄_{t-1}), p(mask) = c̄_{t-1} / c̄_t.
    const auto masked = posterior.index({torch::indexing::Slice(), K});
    for (int64_t j = 0; j < K; ++j)
      EXPECT_NEAR(masked[j].item<double>(),
                  process.c(t) / process.cumulative_c(t) *
                      (process.cumulative_a(t - 1) * p0[j][K].item<double>() + process.cumulative_b(t - 1)),
                  1e-12);
    EXPECT_NEAR(masked[K].item<double>(), process.cumulative_c(t - 1) / process.cumulative_c(t), 1e-12);
  }
}

TEST(VqDiffusionProcess, StepsAcrossSeveralLevelsAreBayesWithTheProductOfTheirMatrices) {
  // A schedule with real replacement mass, so the uniform-replacement terms are exercised too.
  const int64_t K = 4;
  const VqDiffusionProcess process(K, 12, VqDiffusionSchedule{0.99, 0.1, 0.001, 0.8});
  auto generator = at::detail::createCPUGenerator(9);
  const auto p0 = torch::softmax(2 * torch::randn({K, K + 1}, generator, torch::kFloat64), 0);
  const auto x_t = torch::arange(K + 1, torch::kLong);
  for (auto [t, s] : std::vector<std::pair<int64_t, int64_t>>{{11, 7}, {6, 0}, {5, 4}}) {
    auto between = torch::eye(K + 1, torch::kFloat64);  // Q_{t|s} = Q_t ... Q_{s+1}
    for (int64_t r = s + 1; r <= t; ++r) between = process.transition(r).mm(between);
    const auto before = process.cumulative_transition(s), after = process.cumulative_transition(t);
    const auto posterior = process.log_posterior(p0.log(), x_t, t, s).exp();
    for (int64_t i = 0; i <= K; ++i) {
      auto expected = torch::zeros({K + 1}, torch::kFloat64);
      for (int64_t k = 0; k < K; ++k) {
        auto bayes = between[i] * before.index({torch::indexing::Slice(), k});
        EXPECT_NEAR(bayes.sum().item<double>(), after[i][k].item<double>(), 1e-12);
        expected += p0[k][i] * bayes / bayes.sum();
      }
      EXPECT_LT(max_difference(posterior.index({torch::indexing::Slice(), i}), expected), 1e-12)
          << "from " << t << " to " << s << ", x_t " << i;
    }
  }
  EXPECT_THROW(process.log_posterior(p0.log(), x_t, 5, 5), InternalError);
}

TEST(VqDiffusionProcess, SampledMaskFractionsFallWithinFourStandardErrors) {
  const int64_t K = 16, L = 20000;
  const VqDiffusionProcess process(K);
  auto generator = at::detail::createCPUGenerator(3);
  const auto x0 = torch::randint(K, {L}, generator, torch::kLong);
  for (int64_t t : {10, 50, 90}) {
    const auto x_t = process.sample_marginal(x0, t, generator);
    const double masked = (x_t == K).to(torch::kFloat64).mean().item<double>();
    const double kept = (x_t == x0).to(torch::kFloat64).mean().item<double>();
    const double p_mask = process.cumulative_c(t), p_keep = process.cumulative_a(t) + process.cumulative_b(t);
    EXPECT_LE(std::abs(masked - p_mask), 4 * std::sqrt(p_mask * (1 - p_mask) / L)) << "t = " << t;
    EXPECT_LE(std::abs(kept - p_keep), 4 * std::sqrt(p_keep * (1 - p_keep) / L)) << "t = " << t;
  }
}

TEST(VqDiffusionProcess, StarShapedMaskCountsAreTheReleasedCodes) {
  const VqDiffusionProcess process(4096);
  // At loop step t the count is that of level t - 1 (g2d2.md section 2: 1013, 1003, 506, 0 for L = 1024).
  EXPECT_EQ(process.star_mask_count(1024, 98), 1013);
  EXPECT_EQ(process.star_mask_count(1024, 97), 1003);
  EXPECT_EQ(process.star_mask_count(1024, 49), 506);
  EXPECT_EQ(process.star_mask_count(1024, 0), 0);
  EXPECT_EQ(process.star_mask_count(1024, -1), 0);
  EXPECT_THROW(VqDiffusionProcess(1), InputError);
  EXPECT_THROW(process.cumulative_c(100), InternalError);
}

}  // namespace
}  // namespace diffrecon

namespace diffrecon {
namespace {

// The factorised prior's denoiser is Bayes' rule with the process's cumulative matrix, computed
// explicitly for every z_t (a masked token gives π back); the per-token posterior of a likelihood
// table likewise.
TEST(FactorisedTokenPrior, DenoiserIsBayesWithTheCumulativeMatrix) {
  const int64_t K = 4, L = 3;
  auto generator = at::detail::createCPUGenerator(5);
  const auto pi = torch::softmax(torch::randn({K, L}, generator, torch::kFloat64), 0);
  const FactorisedTokenPrior prior(pi, VqDiffusionProcess(K, 10));
  for (int64_t t : {0, 4, 9}) {
    const auto cumulative = prior.process().cumulative_transition(t);  // [K+1, K+1]
    for (int64_t j = 0; j <= K; ++j) {
      const auto z_t = torch::full({1, L}, j, torch::kLong);
      const auto denoised = prior.log_denoise(z_t, t).exp()[0];  // [K, L]
      for (int64_t i = 0; i < L; ++i) {
        auto bayes = cumulative[j].narrow(0, 0, K) * pi.index({torch::indexing::Slice(), i});
        bayes = bayes / bayes.sum();
        EXPECT_LT(max_difference(denoised.index({torch::indexing::Slice(), i}), bayes), 1e-12) << t << " " << j << " " << i;
      }
    }
    const auto masked = prior.log_denoise(torch::full({1, L}, K, torch::kLong), t).exp()[0];
    EXPECT_LT(max_difference(masked, pi), 1e-12);
  }
  // The per-token posterior of a likelihood table.
  const auto log_likelihood = torch::randn({K, L}, generator, torch::kFloat64);
  const auto posterior = prior.log_posterior(log_likelihood).exp();
  const auto expected = pi * log_likelihood.exp();
  EXPECT_LT(max_difference(posterior, expected / expected.sum(0, true)), 1e-12);
  EXPECT_THROW(FactorisedTokenPrior(torch::ones({K, L}), VqDiffusionProcess(K)), InputError);
}

}  // namespace
}  // namespace diffrecon
