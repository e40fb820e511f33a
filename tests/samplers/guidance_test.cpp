// Guidance terms and MCG's projection against their closed forms (docs/samplers.md 9.3, 9.4 test 3).
#include "exact_guidance.h"
#include "gaussian_oracle.h"
#include "core/diagonal_operator.h"
#include "core/fft_operator.h"
#include "core/operator_algebra.h"
#include "samplers/data_projection.h"
#include "samplers/likelihood_guidance.h"

#include <torch/csrc/autograd/autograd.h>

namespace diffrecon {
namespace {

using testing::make_oracle;
using testing::oracle_gaussian;

// For the Gaussian prior at level sigma: m(x) = mu + K (x - mu), K = Sigma (Sigma + sigma^2 I)^-1
// (symmetric), V = sigma^2 K.
struct Tweedie {
  torch::Tensor K, V;
};
Tweedie tweedie(const GaussianMixturePrior& prior, double sigma) {
  const auto& S = prior.components()[0].covariance;
  auto K = torch::matmul(S, torch::linalg_inv(S + sigma * sigma * torch::eye(4, torch::kFloat64)));
  return {K, sigma * sigma * K};
}

TEST(DpsGuidance, EqualsItsClosedForm) {
  // DPS's gradient is the exact likelihood score with V_t = 0: K^T A^T (y - A m(x)) / sigma_y^2.
  auto setup = make_oracle(oracle_gaussian(), 0.3);
  SeededRandom random(3);
  auto x = random.normal({3, 1, 2, 2}, torch::kFloat64) * 1.5;
  for (double sigma : {0.05, 0.7, 4.0}) {
    auto estimate = DpsGuidance().estimate(*setup.problem, GaussianDataTerm(*setup.problem), *setup.prior, x, sigma);
    auto t = tweedie(*setup.prior, sigma);
    auto m = setup.prior->denoise(x, sigma).reshape({3, 4});
    auto r = setup.y.unsqueeze(0) - torch::matmul(m, setup.A.t());
    auto expected = torch::matmul(torch::matmul(r, setup.A), t.K) / (0.3 * 0.3);
    EXPECT_LT(testing::relative_error(estimate.gradient.reshape({3, 4}), expected), 1e-10) << "sigma " << sigma;
    EXPECT_LT(testing::relative_error(estimate.residual_norm, r.norm(2, {1})), 1e-12);
    EXPECT_NEAR(estimate.variance, 0.09, 1e-15);
  }
}

TEST(ExactGuidance, EqualsTheExactLikelihoodScore) {
  // grad log p(y | x_sigma) = K^T A^T (A V A^T + sigma_y^2 I)^-1 (y - A m(x)), and it differs from DPS's.
  auto setup = make_oracle(oracle_gaussian(), 0.3);
  SeededRandom random(4);
  auto x = random.normal({2, 1, 2, 2}, torch::kFloat64);
  const double sigma = 0.8;
  testing::ExactGuidance exact(setup.prior, setup.posterior);
  GaussianDataTerm data(*setup.problem);
  auto estimate = exact.estimate(*setup.problem, data, *setup.prior, x, sigma);
  auto t = tweedie(*setup.prior, sigma);
  auto m = setup.prior->denoise(x, sigma).reshape({2, 4});
  auto r = setup.y.unsqueeze(0) - torch::matmul(m, setup.A.t());
  auto C = torch::matmul(torch::matmul(setup.A, t.V), setup.A.t()) + 0.09 * torch::eye(2, torch::kFloat64);
  auto expected = torch::matmul(torch::matmul(torch::matmul(r, torch::linalg_inv(C)), setup.A), t.K);
  EXPECT_LT(testing::relative_error(estimate.gradient.reshape({2, 4}), expected), 1e-9);
  auto dps = DpsGuidance().estimate(*setup.problem, GaussianDataTerm(*setup.problem), *setup.prior, x, sigma);
  EXPECT_GT(testing::relative_error(dps.gradient, estimate.gradient), 0.1);
}

TEST(DataProjection, ReplacesMeasuredEntriesOfAnInpaintingProblemExactly) {
  // A selects entries 0 and 2 of 4: after lambda = 1 both preconditioners satisfy the data exactly there
  // and leave the unmeasured entries alone.
  auto A = torch::zeros({2, 4}, torch::kFloat64);
  A[0][0] = 1;
  A[1][2] = 1;
  auto y = torch::tensor({0.7, -1.1}, torch::kFloat64);
  PosteriorProblem problem(Problem(std::make_shared<MatrixOperator>(A), y, NoiseModel{0.0}), testing::oracle_shape());
  SeededRandom random(5);
  auto z = random.normal({3, 1, 2, 2}, torch::kFloat64);
  for (auto preconditioner : {ProjectionPreconditioner::Identity, ProjectionPreconditioner::ColumnSums}) {
    DataProjection projection(problem, preconditioner);
    auto projected = projection.apply(problem, z, y, 1.0).reshape({3, 4});
    auto flat = z.reshape({3, 4});
    EXPECT_LT((torch::matmul(projected, A.t()) - y).abs().max().item<double>(), 1e-14);
    EXPECT_TRUE(torch::equal(projected.select(1, 1), flat.select(1, 1)));
    EXPECT_TRUE(torch::equal(projected.select(1, 3), flat.select(1, 3)));
  }
}

TEST(DataProjection, IsKSpaceDataReplacementForSingleCoilCartesianMri) {
  // A = M F (orthonormal FFT, 0/1 mask): x + A^H (y - A x) keeps the unmeasured k-space of x and puts y
  // in the measured samples, i.e. exactly MCG's data replacement.
  const int64_t n = 8;
  SeededRandom random(6);
  auto mask = (random.uniform({n, n}) < 0.4).to(torch::kFloat64);
  auto fft = std::make_shared<FFTOperator>(Shape{n, n}, std::vector<int64_t>{-2, -1});
  auto op = compose(make_mask_operator(mask, {n, n}), fft);
  auto x_true = random.normal({n, n}, torch::kComplexDouble);
  auto y = op->forward(x_true);
  PosteriorProblem problem(Problem(op, y, NoiseModel{0.0}), {2, n, n});
  auto z = random.normal({2, 2, n, n}, torch::kFloat64);
  DataProjection projection(problem, ProjectionPreconditioner::Identity);
  auto projected = problem.from_prior(projection.apply(problem, z, y, 1.0));
  auto k_before = fft->forward(problem.from_prior(z));
  auto k_after = fft->forward(projected);
  auto expected = k_before * (1 - mask) + y * mask;
  EXPECT_LT(testing::relative_error(k_after, expected), 1e-12);
  EXPECT_THROW(DataProjection(problem, ProjectionPreconditioner::ColumnSums), std::invalid_argument);
}

TEST(PosteriorProblem, AdjointToPriorIsTheAutogradGradientOfTheHalfSquaredResidual) {
  const int64_t n = 6;
  SeededRandom random(8);
  auto op = std::make_shared<FFTOperator>(Shape{n, n}, std::vector<int64_t>{-2, -1});
  auto y = random.normal({n, n}, torch::kComplexDouble);
  PosteriorProblem problem = PosteriorProblem::with_default_layout(Problem(op, y, NoiseModel{0.1}));
  EXPECT_EQ(problem.image_shape(), (std::vector<int64_t>{2, n, n}));
  auto z = random.normal({2, 2, n, n}, torch::kFloat64).requires_grad_(true);
  auto r = problem.residual(z);
  auto loss = 0.5 * torch::view_as_real(r).square().sum();
  auto autograd = torch::autograd::grad({loss}, {z})[0];
  EXPECT_LT(testing::relative_error(problem.adjoint_to_prior(r.detach()), autograd), 1e-12);
  // to_prior and from_prior are inverse to each other.
  auto x = random.normal({3, n, n}, torch::kComplexDouble);
  EXPECT_TRUE(torch::equal(problem.from_prior(problem.to_prior(x)), x));
  EXPECT_EQ(problem.measurement_count(), 2 * n * n);
  EXPECT_EQ(problem.unknown_count(), 2 * n * n);
  EXPECT_NEAR(problem.component_variance(0.1), 0.005, 1e-15);
  EXPECT_THROW(PosteriorProblem(Problem(op, y, NoiseModel{0.1}), {1, n, n}), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
