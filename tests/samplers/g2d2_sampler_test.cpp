// The G2D2 loop on the discrete oracle (../shared/reference/samplers.md section 9.7, g2d2.md
// section 5): a factorised categorical prior with its exact denoiser and an identity-embedding decoder
// (token i is pixel i, with the value C[z_i]), y = A x + sigma n with A the identity (or 0).
//   - no data (A = 0), no warm start: the output tokens are distributed as the prior, for the
//     star-shaped and the Markov step (chi-square over positions and classes);
//   - the Gaussian likelihood with KL weight 1: the output tokens follow the exact per-token posterior;
//   - a KL weight that dominates keeps the prior, a tiny one gives the maximum-likelihood token;
//   - the star step masks exactly floor(L (c̄ - b̄)) tokens at each next visited level, also on a grid
//     coarser than the process; the same seed gives the same bits, and a chain does not depend on the
//     chains drawn with it; a NaN from the prior stops the loop naming the step.
#include "samplers/g2d2_sampler.h"

#include "core/diagonal_operator.h"
#include "priors/factorised_token_prior.h"
#include "samplers/sampler_presets.h"

#include <gtest/gtest.h>

#include <mutex>

namespace diffrecon {
namespace {

constexpr int64_t kClasses = 3;

struct Oracle {
  std::shared_ptr<FactorisedTokenPrior> prior;
  torch::Tensor values, truth_tokens, y;  // [K], [L], [H, W]
  double sigma = 0.5;
  int64_t height = 4, width = 4;

  // The problem y = weight * x + n on the oracle's grid.
  PosteriorProblem problem(double weight) const {
    auto op = std::make_shared<DiagonalOperator>(torch::full({height, width}, weight, torch::kFloat64),
                                                 Shape{height, width});
    return PosteriorProblem::with_default_layout(Problem(op, weight == 0 ? torch::zeros_like(y) : y, {sigma}));
  }
  // Tokens [B, L] of decoded images [B, 1, H, W] (the nearest codebook value).
  torch::Tensor tokens_of(const torch::Tensor& x) const {
    return (x.reshape({x.size(0), 1, -1}) - values.reshape({1, -1, 1})).abs().argmin(1);
  }
  // The exact per-token posterior p(z_i | y_i) [K, L].
  torch::Tensor posterior() const {
    const auto log_likelihood =
        -(y.reshape({1, -1}) - values.reshape({-1, 1})).square() / (2 * sigma * sigma);
    return prior->log_posterior(log_likelihood).exp();
  }
};

Oracle make_oracle(int64_t process_steps = 20, uint64_t seed = 3) {
  Oracle o;
  const int64_t L = o.height * o.width;
  auto generator = at::detail::createCPUGenerator(seed);
  o.values = torch::tensor({-1.0, 0.0, 1.5}, torch::kFloat64);
  const auto probabilities = torch::softmax(0.7 * torch::randn({kClasses, L}, generator, torch::kFloat64), 0);
  o.prior = std::make_shared<FactorisedTokenPrior>(probabilities, VqDiffusionProcess(kClasses, process_steps),
                                                   o.values.unsqueeze(1), TokenGrid{o.height, o.width});
  o.truth_tokens = torch::multinomial(probabilities.t(), 1, true, generator).squeeze(1);
  o.y = (o.values.index({o.truth_tokens}) + o.sigma * torch::randn({L}, generator, torch::kFloat64))
            .reshape({o.height, o.width});
  return o;
}

// Pearson's chi-square of token counts [B, L] against per-position class probabilities [K, L], and its
// degrees of freedom L (K - 1).
std::pair<double, double> chi_square(const torch::Tensor& tokens, const torch::Tensor& probabilities) {
  const auto counts = torch::one_hot(tokens, kClasses).sum(0).t().to(torch::kFloat64);  // [K, L]
  const auto expected = double(tokens.size(0)) * probabilities;
  const double statistic = ((counts - expected).square() / expected).sum().item<double>();
  return {statistic, double(probabilities.size(1) * (kClasses - 1))};
}

// dof + 5 sqrt(2 dof): a chi-square this far above its mean has probability below 1e-4.
double chi_square_bound(double dof) { return dof + 5 * std::sqrt(2 * dof); }

torch::Tensor draw(const G2d2Sampler& sampler, const PosteriorProblem& problem, int64_t chains, uint64_t seed) {
  std::vector<int64_t> indices;
  for (int64_t c = 0; c < chains; ++c) indices.push_back(c);
  SeededRandom random(seed, indices);
  return sampler.sample(problem, chains, random, {});
}

TEST(G2d2Sampler, LevelsScheduleAndTruncationFollowTheOfficialCode) {
  const auto all = g2d2_levels(100, 100);
  ASSERT_EQ(all.size(), 100u);
  EXPECT_EQ(all.front(), 99);
  EXPECT_EQ(all.back(), 0);
  const auto coarse = g2d2_levels(100, 7);
  EXPECT_EQ(coarse, (std::vector<int64_t>{99, 83, 66, 50, 33, 17, 0}));
  EXPECT_THROW(g2d2_levels(100, 101), InputError);
  EXPECT_THROW(g2d2_levels(100, 1), InputError);
  // 10^{w/2} .. 10^{-w/2}: lr 10 with width 2 runs 100 -> 1 (sr presets).
  EXPECT_NEAR(g2d2_schedule(10, 2, 0, 100), 100, 1e-9);
  EXPECT_NEAR(g2d2_schedule(10, 2, 99, 100), 1, 1e-9);
  EXPECT_NEAR(g2d2_schedule(3e-4, 2, 0, 100), 3e-3, 1e-12);
  // Top-p: 0.5, 0.3, 0.15, 0.05 at rate 0.95 keeps the first three (the third crosses the rate).
  const auto logits = torch::tensor({0.3, 0.05, 0.5, 0.15}, torch::kFloat64).log().reshape({1, 4, 1});
  const auto kept = truncate_logits(logits, 0.95).exp().flatten();
  EXPECT_NEAR(kept[1].item<double>(), 0.0, 1e-15);
  EXPECT_NEAR(kept[2].item<double>(), 0.5 / 0.95, 1e-12);
  EXPECT_NEAR(truncate_logits(logits, 0.4).exp().flatten()[2].item<double>(), 1.0, 1e-12);  // the top class always
}

TEST(G2d2Sampler, WithoutDataTheTokensFollowThePriorForBothSteps) {
  const auto o = make_oracle();
  const auto problem = o.problem(0.0);
  for (auto step : {G2d2Step::Star, G2d2Step::Markov}) {
    G2d2Options options;
    options.steps = 20;
    options.iterations = 3;
    options.forget = 1.0;  // no warm start: the loop is then the prior's own reverse process
    options.truncation = 1.0;
    options.step = step;
    const G2d2Sampler sampler(o.prior, options);
    const auto tokens = o.tokens_of(draw(sampler, problem, 400, 11));
    const auto [statistic, dof] = chi_square(tokens, o.prior->probabilities());
    std::printf("%s step, no data: chi-square %.1f on %.0f degrees of freedom\n",
                step == G2d2Step::Star ? "star" : "Markov", statistic, dof);
    EXPECT_LT(statistic, chi_square_bound(dof));
  }
}

// Mean over positions of the total variation between the token frequencies of [B, L] and [K, L].
double mean_total_variation(const torch::Tensor& tokens, const torch::Tensor& probabilities) {
  const auto frequencies = torch::one_hot(tokens, kClasses).sum(0).t().to(torch::kFloat64) / double(tokens.size(0));
  return 0.5 * (frequencies - probabilities).abs().sum(0).mean().item<double>();
}

// Two levels (all masked, then t = 0): the first step's optimum is the exact posterior, which the
// relaxed problem reaches slowly (1500 RAdam iterations; 300 leave a total variation of 0.18). The
// frequencies of 200 chains are compared with those of 200 exact draws, so the bound is the sampling
// noise plus the relaxation's bias (the token-logit optimiser test measures 0.026 for it alone).
// Chi-square is no measure here: classes of posterior probability 1e-7 that the relaxed optimum
// gives 1e-3 would dominate it.
TEST(G2d2Sampler, GaussianLikelihoodWithUnitKlWeightSamplesTheExactPerTokenPosterior) {
  const auto o = make_oracle();
  G2d2Options options;
  options.steps = 2;
  options.iterations = 1500;
  options.lr = 0.04;
  options.lr_width = 0;
  options.kl_weight = 1.0;
  options.kl_width = 0;
  options.temperature = 0.1;
  options.truncation = 1.0;
  options.likelihood = G2d2Likelihood::Gaussian;
  const int64_t chains = 200;
  const auto tokens = o.tokens_of(draw(G2d2Sampler(o.prior, options), o.problem(1.0), chains, 12));
  auto generator = at::detail::createCPUGenerator(5);
  const auto exact_draws = torch::multinomial(o.posterior().t(), chains, true, generator).t();  // [B, L]
  const double distance = mean_total_variation(tokens, o.posterior());
  const double noise = mean_total_variation(exact_draws, o.posterior());
  const double prior_distance = mean_total_variation(tokens, o.prior->probabilities());
  std::printf("Gaussian likelihood, KL weight 1: total variation to the exact posterior %.4f (exact draws: %.4f), "
              "to the prior %.4f\n",
              distance, noise, prior_distance);
  EXPECT_LT(distance, noise + 0.03);
  EXPECT_GT(prior_distance, 0.3);  // the data moved the tokens far from the prior
}

TEST(G2d2Sampler, DominantKlWeightKeepsThePriorAndATinyOneTheLikeliestToken) {
  const auto o = make_oracle();
  const auto problem = o.problem(1.0);
  G2d2Options options;
  options.steps = 10;
  options.iterations = 20;
  options.lr = 0.005;
  options.lr_width = 0;
  options.kl_weight = 100;
  options.kl_width = 0;
  options.truncation = 1.0;
  // No warm start: RAdam moves a logit by at most about lr per iteration, so from a warm start the
  // optimum (the prior) is out of reach; from the prior's logits the data can only nudge them.
  options.forget = 1.0;
  const auto kept = o.tokens_of(draw(G2d2Sampler(o.prior, options), problem, 400, 13));
  const auto [statistic, dof] = chi_square(kept, o.prior->probabilities());
  std::printf("KL weight 100: chi-square %.1f against the prior on %.0f degrees of freedom\n", statistic, dof);
  EXPECT_LT(statistic, chi_square_bound(dof));

  // Two levels: every token is masked at the first, so its value comes from one optimisation started
  // at the prior. (A token left unmasked keeps its value whatever the data say: its prior logits
  // are the denoiser's near-delta, and at temperature 0.1 a gap of 15 in the logits passes no
  // gradient. Only re-masking revises it.)
  options.steps = 2;
  options.kl_weight = 1e-6;
  options.lr = 0.5;
  options.iterations = 400;
  options.temperature = 0.1;  // near one-hot relaxations: at temperature 1 a mixture of codes fits y best
  const auto fitted = o.tokens_of(draw(G2d2Sampler(o.prior, options), problem, 50, 14));
  // The likeliest token is the nearest code. Near-ties (y within 0.1 of the midpoint of two codes)
  // are left out: the relaxed problem's gradient between them is mostly Gumbel noise and takes far
  // more iterations to settle.
  const auto distances = (o.y.reshape({1, -1}) - o.values.reshape({-1, 1})).abs();  // [K, L]
  const auto [nearest, order] = distances.topk(2, 0, /*largest=*/false);
  const auto clear = (nearest[1] - nearest[0]) > 0.2;
  const auto agrees = (fitted == order[0].unsqueeze(0)).to(torch::kFloat64);
  const double agreement = agrees.index({torch::indexing::Slice(), clear}).mean().item<double>();
  std::printf("KL weight 1e-6: the likeliest token in %.3f of the %lld of %lld tokens with a clear margin (%.3f of all)\n",
              agreement, static_cast<long long>(clear.sum().item<int64_t>()), static_cast<long long>(clear.numel()),
              agrees.mean().item<double>());
  const double prior_agreement =
      (o.prior->probabilities().argmax(0) == order[0]).index({clear}).to(torch::kFloat64).mean().item<double>();
  std::printf("(the prior's mode is the likeliest token in %.3f of them)\n", prior_agreement);
  EXPECT_GT(agreement, 0.97);
  EXPECT_LT(prior_agreement, 0.8);
  EXPECT_GE(clear.sum().item<int64_t>(), 12);
}

// Records the masked count of every z_t the loop shows the denoiser.
class RecordingTokenPrior final : public TokenPrior {
 public:
  explicit RecordingTokenPrior(std::shared_ptr<const FactorisedTokenPrior> prior, int64_t nan_at_call = -1)
      : prior_(std::move(prior)), nan_at_call_(nan_at_call) {}
  const VqDiffusionProcess& process() const override { return prior_->process(); }
  int64_t image_channels() const override { return prior_->image_channels(); }
  TokenGrid token_grid(int64_t h, int64_t w) const override { return prior_->token_grid(h, w); }
  torch::Tensor log_denoise(const torch::Tensor& z_t, int64_t t, const TokenGrid& grid) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    masked_.push_back((z_t == process().mask()).sum(1));
    levels_.push_back(t);
    auto logits = prior_->log_denoise(z_t, t, grid);
    if (static_cast<int64_t>(levels_.size()) == nan_at_call_) logits = logits * NAN;
    return logits;
  }
  torch::Tensor decode(const torch::Tensor& soft, const TokenGrid& grid) const override { return prior_->decode(soft, grid); }
  std::vector<torch::Tensor> masked() const { return masked_; }
  std::vector<int64_t> levels() const { return levels_; }

 private:
  std::shared_ptr<const FactorisedTokenPrior> prior_;
  int64_t nan_at_call_;
  mutable std::mutex mutex_;
  mutable std::vector<torch::Tensor> masked_;
  mutable std::vector<int64_t> levels_;
};

TEST(G2d2Sampler, StarStepMasksExactlyTheCountOfTheNextVisitedLevel) {
  const auto o = make_oracle(100);
  auto recording = std::make_shared<RecordingTokenPrior>(o.prior);
  G2d2Options options;
  options.steps = 7;  // coarser than the process: levels 99, 83, ..., 0
  options.iterations = 2;
  const G2d2Sampler sampler(recording, options);
  draw(sampler, o.problem(1.0), 5, 15);
  const auto levels = recording->levels();
  ASSERT_EQ(levels, g2d2_levels(100, 7));
  const int64_t L = o.height * o.width;
  EXPECT_TRUE((recording->masked()[0] == L).all().item<bool>());  // the start: all masked
  for (size_t n = 1; n < levels.size(); ++n) {
    const auto expected = o.prior->process().star_mask_count(L, levels[n]);
    EXPECT_TRUE((recording->masked()[n] == expected).all().item<bool>())
        << "level " << levels[n] << ": expected " << expected << " masked, got " << recording->masked()[n];
  }
}

TEST(G2d2Sampler, SameSeedSameBitsAndAChainIsIndependentOfItsCompanions) {
  const auto o = make_oracle();
  const auto problem = o.problem(1.0);
  G2d2Options options;
  options.steps = 8;
  options.iterations = 4;
  const G2d2Sampler sampler(o.prior, options);
  const auto first = draw(sampler, problem, 3, 21), again = draw(sampler, problem, 3, 21);
  EXPECT_TRUE(torch::equal(first, again));
  SeededRandom alone(21, {2});
  EXPECT_TRUE(torch::equal(sampler.sample(problem, 1, alone, {})[0], first[2]));
  EXPECT_FALSE(torch::equal(first[0], first[1]));
}

TEST(G2d2Sampler, RunSamplerCountsDenoiserAndDecoderPasses) {
  const auto o = make_oracle();
  G2d2Options options;
  options.steps = 6;
  options.iterations = 4;
  const G2d2Sampler sampler(o.prior, options);
  SamplingOptions sampling;
  sampling.samples = 3;
  sampling.batch_size = 2;
  const auto result = run_sampler(sampler, o.problem(1.0), sampling);
  EXPECT_EQ(result.nfe, 6);
  EXPECT_EQ(result.decoder_evaluations, 24);
  EXPECT_EQ(result.image_evaluations, 18);
  EXPECT_TRUE(result.std.defined());
}

TEST(G2d2Sampler, NonFiniteLogitsStopTheLoopNamingTheStep) {
  const auto o = make_oracle();
  G2d2Options options;
  options.steps = 6;
  options.iterations = 2;
  const G2d2Sampler sampler(std::make_shared<RecordingTokenPrior>(o.prior, 3), options);
  try {
    draw(sampler, o.problem(1.0), 2, 5);
    FAIL() << "nothing thrown";
  } catch (const SamplerError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("g2d2"), std::string::npos) << message;
    EXPECT_NE(message.find("step 3 of 6"), std::string::npos) << message;
  }
}

TEST(G2d2Sampler, OptionsOutOfRangeAndAPriorOfAnotherGridAreRefused) {
  const auto o = make_oracle();
  G2d2Options options;
  options.forget = 1.5;
  EXPECT_THROW(G2d2Sampler(o.prior, options), InputError);
  options = {};
  options.steps = 21;  // more levels than the process has
  EXPECT_THROW(G2d2Sampler(o.prior, options), InputError);
  EXPECT_THROW(G2d2Sampler(nullptr, G2d2Options{20}), InputError);
  // A preset from the registry, on a 4 x 4 prior, refuses an 8 x 8 problem.
  auto sampler = make_sampler({"g2d2", SamplerPreset::Fast, ProjectionPreconditioner::Identity, {{"steps", "10"}}},
                              SamplerPrior{nullptr, o.prior});
  auto op = std::make_shared<DiagonalOperator>(torch::ones({8, 8}, torch::kFloat64), Shape{8, 8});
  const auto larger = PosteriorProblem::with_default_layout(Problem(op, torch::zeros({8, 8}, torch::kFloat64), {0.1}));
  SeededRandom random(1);
  EXPECT_THROW(sampler->sample(larger, 1, random, {}), InputError);
}

}  // namespace
}  // namespace diffrecon

namespace diffrecon {
namespace {

TEST(G2d2Sampler, TheDataConsistencyRefinementSolvesTheNormalEquationsFromTheDecodedImage) {
  // A = 0.5 I: A^H A is a multiple of I, so one CG iteration from any start reaches the least-squares
  // image y / 0.5, whatever tokens the loop ended on; without refinement the output is a decoded one
  // (every pixel a codebook value).
  const auto o = make_oracle();
  const auto problem = o.problem(0.5);
  G2d2Options options;
  options.steps = 5;
  options.iterations = 2;
  const auto plain = draw(G2d2Sampler(o.prior, options), problem, 3, 5);
  const auto distance = (plain.reshape({3, 1, -1}) - o.values.reshape({1, -1, 1})).abs().amin(1);
  EXPECT_LT(distance.max().item<double>(), 1e-12) << "the plain output is the codebook lookup";
  options.refine = 1;
  const auto refined = draw(G2d2Sampler(o.prior, options), problem, 3, 5);
  const auto least_squares = (o.y / 0.5).expand({3, 1, o.height, o.width});
  EXPECT_LT((refined - least_squares).abs().max().item<double>(), 1e-9);
  options.refine = -1;
  EXPECT_THROW(G2d2Sampler(o.prior, options), InputError);
}

}  // namespace
}  // namespace diffrecon
