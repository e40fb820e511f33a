#include "priors/gaussian_mixture_prior.h"
#include "priors/network_denoisers.h"

#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/torch.h>

#include <cmath>

namespace diffrecon {
namespace {

// A non-diagonal covariance on d = Ch H W = 1 x 2 x 3 = 6 dimensions with eigenvalues from 0.05 to 2.
torch::Tensor test_covariance(int64_t d, uint64_t seed) {
  SeededRandom random(seed);
  auto q = std::get<0>(torch::linalg_qr(random.normal({d, d}, torch::kFloat64)));
  auto eigenvalues = torch::linspace(0.05, 2.0, d, torch::kFloat64);
  return torch::matmul(q * eigenvalues.unsqueeze(0), q.transpose(0, 1));
}

const std::vector<int64_t> kShape{1, 2, 3};

GaussianMixturePrior test_gaussian() {
  auto mean = torch::tensor({0.3, -0.5, 1.0, 0.0, 0.2, -1.2}, torch::kFloat64);
  return GaussianMixturePrior::gaussian(mean, test_covariance(6, 1), kShape);
}

GaussianMixturePrior test_mixture() {
  std::vector<GaussianComponent> components;
  components.push_back({0.2, torch::full({6}, -2.0, torch::kFloat64), 0.3 * test_covariance(6, 2)});
  components.push_back({0.5, torch::full({6}, 2.0, torch::kFloat64), 0.2 * test_covariance(6, 3)});
  components.push_back({0.3, torch::tensor({2.0, -2.0, 2.0, -2.0, 2.0, -2.0}, torch::kFloat64), 0.25 * torch::eye(6, torch::kFloat64)});
  return GaussianMixturePrior(std::move(components), kShape);
}

TEST(GaussianMixturePrior, TweedieIdentityHoldsWithTheIndependentlyComputedScore) {
  for (const auto& prior : {test_gaussian(), test_mixture()}) {
    SeededRandom random(4);
    const auto x = 2 * random.normal({5, 1, 2, 3}, torch::kFloat64);
    for (double sigma : {0.01, 0.3, 1.0, 20.0}) {
      const auto d = prior.denoise(x, sigma);
      const auto score = prior.exact_score(x, torch::tensor(sigma, torch::kFloat64));
      EXPECT_TRUE(torch::allclose(d, x + sigma * sigma * score, 1e-9, 1e-9)) << prior.description() << " sigma " << sigma;
      // epsilon = -sigma * score through the generic Denoiser conversions.
      EXPECT_TRUE(torch::allclose(prior.epsilon(x, torch::tensor(sigma, torch::kFloat64)), -sigma * score, 1e-9, 1e-9));
    }
  }
}

TEST(GaussianMixturePrior, ScoreIsTheGradientOfTheLogDensity) {
  const auto prior = test_mixture();
  SeededRandom random(5);
  auto x = (2 * random.normal({3, 1, 2, 3}, torch::kFloat64)).requires_grad_(true);
  const auto sigma = torch::tensor(0.7, torch::kFloat64);
  const auto gradient = torch::autograd::grad({prior.log_density(x, sigma).sum()}, {x})[0];
  EXPECT_TRUE(torch::allclose(gradient, prior.exact_score(x.detach(), sigma), 1e-8, 1e-10));
}

TEST(GaussianMixturePrior, GaussianClosedFormsMatchTheReferenceFormulas) {
  const auto prior = test_gaussian();
  const auto& c = prior.components()[0];
  const double sigma = 0.8;
  SeededRandom random(6);
  const auto x = random.normal({2, 1, 2, 3}, torch::kFloat64);
  const auto I = torch::eye(6, torch::kFloat64);
  // D = mu + Sigma (Sigma + sigma^2 I)^-1 (x - mu);  V = sigma^2 Sigma (Sigma + sigma^2 I)^-1.
  const auto gain = torch::matmul(c.covariance, torch::inverse(c.covariance + sigma * sigma * I));
  const auto expected = c.mean + torch::matmul(x.view({2, 6}) - c.mean, gain.transpose(0, 1));
  EXPECT_TRUE(torch::allclose(prior.denoise(x, sigma).view({2, 6}), expected, 1e-10, 1e-12));
  const auto V = prior.denoiser_covariance(x, torch::tensor(sigma, torch::kFloat64));
  EXPECT_TRUE(torch::allclose(V[0], sigma * sigma * gain, 1e-10, 1e-12));
  EXPECT_TRUE(torch::allclose(V[1], V[0], 1e-12, 1e-12));  // a Gaussian's V does not depend on x
}

TEST(GaussianMixturePrior, VpEpsilonAdapterRecoversTheTweedieMean) {
  // The exact epsilon network of a Gaussian under VP (docs/samplers.md 9.1):
  // eps*(x_t, t) = sqrt(1 - abar) C_t^-1 (x_t - sqrt(abar) mu), C_t = abar Sigma + (1 - abar) I.
  const auto prior = test_gaussian();
  const auto& c = prior.components()[0];
  auto schedule = std::make_shared<VpDiscreteSchedule>();
  NetworkFunction exact_epsilon = [&](const torch::Tensor& x_t, const torch::Tensor& t) {
    auto out = torch::empty({x_t.size(0), 6}, torch::kFloat64);
    for (int64_t i = 0; i < x_t.size(0); ++i) {
      const double abar = schedule->alpha_bar(t[i].item<double>());
      const auto C = abar * c.covariance + (1 - abar) * torch::eye(6, torch::kFloat64);
      out[i] = std::sqrt(1 - abar) *
               torch::linalg_solve(C, (x_t[i].reshape({6}) - std::sqrt(abar) * c.mean).unsqueeze(1)).squeeze(1);
    }
    return out.view(x_t.sizes());
  };
  VpEpsilonDenoiser adapter(exact_epsilon, schedule, 1.0, 1, "exact epsilon");
  SeededRandom random(7);
  const auto x = 2 * random.normal({3, 1, 2, 3}, torch::kFloat64);
  for (double index : {10.0, 250.0, 731.5}) {
    const double sigma = schedule->sigma(index);
    EXPECT_NEAR(adapter.condition_for(torch::tensor({sigma}, torch::kFloat64))[0].item<double>(), index, 1e-8);
    EXPECT_TRUE(torch::allclose(adapter.denoise(x, sigma), prior.denoise(x, sigma), 1e-8, 1e-9)) << index;
  }
}

// Exact ancestral sampling for an analytic prior: x_N ~ p_{sigma_max} exactly, then for each sigma -> sigma'
// draw x0 ~ p(x0 | x) and x' from the Brownian bridge between x0 and x:
// mean r x + (1 - r) x0, variance sigma'^2 (sigma^2 - sigma'^2) / sigma^2, r = sigma'^2 / sigma^2.
torch::Tensor exact_ancestral_samples(const GaussianMixturePrior& prior, int64_t count, uint64_t seed) {
  SeededRandom random(seed);
  const auto sigmas = EdmSchedule(0.01, 30.0).sigma_grid(12);
  auto x = prior.sample(count, random) + sigmas.front() * random.normal({count, 1, 2, 3}, torch::kFloat64);
  for (size_t i = 0; i < sigmas.size(); ++i) {
    const double sigma = sigmas[i], next = i + 1 < sigmas.size() ? sigmas[i + 1] : 0.0;
    const auto x0 = prior.sample_clean_given_noisy(x, sigma, random);
    const double r = next * next / (sigma * sigma);
    x = r * x + (1 - r) * x0 + std::sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma)) *
                                   random.normal({count, 1, 2, 3}, torch::kFloat64);
  }
  return x.view({count, 6});
}

TEST(GaussianMixturePrior, ExactAncestralSamplingReproducesTheGaussian) {
  const auto prior = test_gaussian();
  const int64_t n = 20000;
  const auto samples = exact_ancestral_samples(prior, n, 11);
  const auto& c = prior.components()[0];
  const auto sample_mean = samples.mean(0);
  const auto centred = samples - sample_mean;
  const auto sample_covariance = torch::matmul(centred.transpose(0, 1), centred) / (n - 1);
  const auto variance = torch::diagonal(c.covariance);
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_LT(std::abs(sample_mean[i].item<double>() - c.mean[i].item<double>()),
              3 * std::sqrt(variance[i].item<double>() / n))
        << "mean " << i;
    for (int64_t j = 0; j < 6; ++j) {
      const double se = std::sqrt((variance[i].item<double>() * variance[j].item<double>() +
                                   std::pow(c.covariance[i][j].item<double>(), 2)) / n);
      EXPECT_LT(std::abs(sample_covariance[i][j].item<double>() - c.covariance[i][j].item<double>()), 3.5 * se)
          << "covariance " << i << "," << j;
    }
  }
}

TEST(GaussianMixturePrior, ExactAncestralSamplingRecoversMixtureWeights) {
  const auto prior = test_mixture();
  const int64_t n = 6000;
  const auto samples = exact_ancestral_samples(prior, n, 12);
  // Assign each sample to the nearest component mean (the components are well separated).
  std::vector<double> counts(3, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    double best_distance = 1e30;
    for (int64_t k = 0; k < 3; ++k) {
      const double distance = (samples[i] - prior.components()[k].mean).pow(2).sum().item<double>();
      if (distance < best_distance) best_distance = distance, best = k;
    }
    counts[best] += 1;
  }
  for (int64_t k = 0; k < 3; ++k) {
    const double w = prior.components()[k].weight;
    EXPECT_LT(std::abs(counts[k] / n - w), 3 * std::sqrt(w * (1 - w) / n)) << "component " << k;
  }
}

TEST(GaussianMixturePrior, PosteriorMatchesTheInformationFormForARankDeficientOperator) {
  const auto prior = test_gaussian();
  const auto& c = prior.components()[0];
  // Keep 3 of 6 coordinates, one of them twice: A is 4 x 6 of rank 3.
  auto A = torch::zeros({4, 6}, torch::kFloat64);
  A[0][0] = 1, A[1][2] = 1, A[2][5] = 1, A[3][5] = 0.5;
  const auto y = torch::tensor({0.9, 0.1, -1.0, -0.4}, torch::kFloat64);
  const double sigma_y = 0.3;
  const auto posterior = prior.posterior(A, y, sigma_y);
  ASSERT_EQ(posterior.components().size(), 1u);
  const auto precision = torch::inverse(c.covariance) + torch::matmul(A.transpose(0, 1), A) / (sigma_y * sigma_y);
  const auto P = torch::inverse(precision);
  const auto m = torch::matmul(P, torch::matmul(torch::inverse(c.covariance), c.mean) +
                                      torch::matmul(A.transpose(0, 1), y) / (sigma_y * sigma_y));
  EXPECT_TRUE(torch::allclose(posterior.components()[0].covariance, P, 1e-9, 1e-11));
  EXPECT_TRUE(torch::allclose(posterior.components()[0].mean, m, 1e-9, 1e-11));
}

TEST(GaussianMixturePrior, MixturePosteriorWeightsFollowTheEvidence) {
  const auto prior = test_mixture();
  // Observe the first coordinate near +2: the component at -2 becomes negligible, the others keep
  // weights proportional to w_k N(y; A mu_k, A Sigma_k A^T + sigma_y^2).
  auto A = torch::zeros({1, 6}, torch::kFloat64);
  A[0][0] = 1;
  const auto y = torch::tensor({2.0}, torch::kFloat64);
  const auto posterior = prior.posterior(A, y, 0.1);
  std::vector<double> expected;
  double total = 0;
  for (const auto& component : prior.components()) {
    const double variance = component.covariance[0][0].item<double>() + 0.01;
    const double residual = 2.0 - component.mean[0].item<double>();
    expected.push_back(component.weight * std::exp(-0.5 * residual * residual / variance) / std::sqrt(variance));
    total += expected.back();
  }
  for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(posterior.components()[k].weight, expected[k] / total, 1e-9);
  EXPECT_LT(posterior.components()[0].weight, 1e-6);
}

TEST(GaussianMixturePrior, RejectsMalformedComponents) {
  EXPECT_THROW(GaussianMixturePrior::gaussian(torch::zeros({5}), torch::eye(6), kShape), std::invalid_argument);
  EXPECT_THROW(GaussianMixturePrior::gaussian(torch::zeros({6}), -torch::eye(6), kShape), std::invalid_argument);
  EXPECT_THROW(test_gaussian().denoise(torch::zeros({1, 1, 3, 2}), 1.0), std::invalid_argument);
  EXPECT_THROW(test_gaussian().denoise(torch::zeros({1, 1, 2, 3}), 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
