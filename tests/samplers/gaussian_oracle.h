// Shared fixtures for the sampler tests: a small linear-Gaussian problem with a non-diagonal Gaussian
// (or Gaussian-mixture) prior on d = 4 values seen as a [1, 2, 2] image, a rank-deficient A [2, 4],
// and the exact posterior (docs/samplers.md sections 9.3 and 9.6).
#pragma once

#include "priors/gaussian_mixture_prior.h"
#include "core/matrix_operator.h"
#include "samplers/posterior_problem.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <memory>

namespace diffrecon::testing {

inline const std::vector<int64_t>& oracle_shape() {
  static const std::vector<int64_t> shape{1, 2, 2};
  return shape;
}

inline torch::Tensor oracle_covariance(uint64_t seed, double low = 0.2, double high = 1.5) {
  SeededRandom random(seed);
  auto q = std::get<0>(torch::linalg_qr(random.normal({4, 4}, torch::kFloat64)));
  auto eigenvalues = torch::linspace(low, high, 4, torch::kFloat64);
  return torch::matmul(q * eigenvalues.unsqueeze(0), q.transpose(0, 1));
}

struct OracleSetup {
  std::shared_ptr<const GaussianMixturePrior> prior, posterior;
  std::shared_ptr<PosteriorProblem> problem;
  torch::Tensor A, y;
  double sigma_y = 0;
};

// y = A x_true + n, n ~ N(0, sigma_y^2), with A [rows, 4] (rows < 4: rank-deficient), random when
// undefined.
inline OracleSetup make_oracle(std::shared_ptr<const GaussianMixturePrior> prior, double sigma_y, int64_t rows = 2,
                               uint64_t seed = 7, torch::Tensor A = {}) {
  OracleSetup setup;
  setup.prior = std::move(prior);
  setup.sigma_y = sigma_y;
  SeededRandom random(seed);
  setup.A = A.defined() ? A : random.normal({rows, 4}, torch::kFloat64) * 0.8;
  auto x_true = setup.prior->sample(1, random).reshape({4});
  setup.y = torch::matmul(setup.A, x_true) + sigma_y * random.normal({rows}, torch::kFloat64);
  setup.posterior = std::make_shared<GaussianMixturePrior>(setup.prior->posterior(setup.A, setup.y, sigma_y));
  Problem problem(std::make_shared<MatrixOperator>(setup.A), setup.y, NoiseModel{sigma_y});
  setup.problem = std::make_shared<PosteriorProblem>(std::move(problem), oracle_shape());
  return setup;
}

inline std::shared_ptr<const GaussianMixturePrior> oracle_gaussian() {
  auto mean = torch::tensor({0.4, -0.3, 0.8, 0.1}, torch::kFloat64);
  return std::make_shared<GaussianMixturePrior>(GaussianMixturePrior::gaussian(mean, oracle_covariance(3), oracle_shape()));
}

// Checks samples [N, ...] (flattened to [N, 4]) against N(mean, covariance): the mean within 3
// standard errors per coordinate, each covariance entry within 3 standard errors plus `bias` times
// sqrt(P_ii P_jj) (the discretisation bias a finite step count leaves, documented per test).
inline void expect_gaussian_samples(const torch::Tensor& samples, const torch::Tensor& mean,
                                    const torch::Tensor& covariance, double bias) {
  auto s = samples.reshape({samples.size(0), -1}).to(torch::kFloat64).cpu();
  const auto n = static_cast<double>(s.size(0));
  auto sample_mean = s.mean(0);
  auto centred = s - sample_mean;
  auto sample_covariance = torch::matmul(centred.t(), centred) / (n - 1);
  for (int64_t i = 0; i < 4; ++i) {
    const double se = std::sqrt(covariance[i][i].item<double>() / n);
    EXPECT_NEAR(sample_mean[i].item<double>(), mean[i].item<double>(), 3 * se + 0.5 * bias * std::sqrt(covariance[i][i].item<double>()))
        << "mean coordinate " << i;
    for (int64_t j = 0; j < 4; ++j) {
      const double pii = covariance[i][i].item<double>(), pjj = covariance[j][j].item<double>();
      const double pij = covariance[i][j].item<double>();
      const double se_ij = std::sqrt((pii * pjj + pij * pij) / n);
      EXPECT_NEAR(sample_covariance[i][j].item<double>(), pij, 3 * se_ij + bias * std::sqrt(pii * pjj))
          << "covariance entry " << i << "," << j;
    }
  }
}

}  // namespace diffrecon::testing
