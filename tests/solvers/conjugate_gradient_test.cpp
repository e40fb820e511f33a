#include "core/matrix_operator.h"
#include "core/seeded_random.h"
#include "core/tensor_math.h"
#include "solvers/conjugate_gradient.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>


namespace diffrecon {
namespace {

using testing::on_device;
using testing::relative_error;

torch::Tensor random_spd(int64_t n, torch::ScalarType dtype, uint64_t seed) {
  SeededRandom random(seed);
  auto b = random.normal({n, n}, on_device(dtype));
  return b.conj().t().mm(b) / n + 0.5 * torch::eye(n, on_device(dtype));
}

torch::Tensor matrix_times(const torch::Tensor& m, const torch::Tensor& x) { return m.mm(x.unsqueeze(1)).squeeze(1); }

// Solves M x = b for a random Hermitian positive-definite M of size n and returns the result and
// the dense solution.
std::pair<SolverResult, torch::Tensor> solve_random_system(int64_t n, torch::ScalarType dtype, uint64_t seed) {
  auto m = random_spd(n, dtype, seed);
  SeededRandom random(seed + 1);
  auto b = random.normal({n}, on_device(dtype));
  ConjugateGradientOptions options;
  options.max_iterations = 5 * n;
  options.tolerance = 1e-12;
  auto result = conjugate_gradient([&](const torch::Tensor& x) { return matrix_times(m, x); }, b, 1, options);
  auto dense = torch::linalg_solve(m.to(torch::kCPU), b.to(torch::kCPU).unsqueeze(1)).squeeze(1);
  return {result, dense};
}

TEST(ConjugateGradient, SolvesRandomSymmetricPositiveDefiniteSystemToTolerance) {
  auto [result, expected] = solve_random_system(40, torch::kFloat64, 1);
  EXPECT_TRUE(result.converged);
  EXPECT_LE(result.residual, 1e-12);
  EXPECT_LE(result.iterations, 80);  // exact arithmetic needs at most n = 40; allow for rounding
  EXPECT_LT(relative_error(result.x, expected), 1e-9);
}

TEST(ConjugateGradient, SolvesComplexHermitianSystem) {
  auto [result, expected] = solve_random_system(24, torch::kComplexDouble, 3);
  EXPECT_TRUE(result.converged);
  EXPECT_LT(relative_error(result.x, expected), 1e-9);
}

TEST(ConjugateGradient, TikhonovLeastSquaresMatchesClosedForm) {
  SeededRandom random(5);
  auto a = random.normal({30, 20}, on_device(torch::kComplexDouble));
  auto y = random.normal({30}, on_device(torch::kComplexDouble));
  MatrixOperator op(a);
  const double lambda = 0.3;
  ConjugateGradientOptions options;
  options.max_iterations = 100;
  options.tolerance = 1e-13;
  auto result = solve_least_squares(op, y, lambda, options);
  auto cpu = a.to(torch::kCPU);
  auto normal = cpu.conj().t().mm(cpu) + lambda * torch::eye(20, torch::kComplexDouble);
  auto expected = torch::linalg_solve(normal, cpu.conj().t().mm(y.to(torch::kCPU).unsqueeze(1))).squeeze(1);
  EXPECT_LT(relative_error(result.x, expected), 1e-9);
  // The reported objective is ||Ax - y||^2 + lambda ||x||^2 at the solution.
  const double objective = squared_norm(op.forward(result.x) - y).item<double>() +
                           lambda * squared_norm(result.x).item<double>();
  EXPECT_NEAR(result.objective, objective, 1e-9 * objective);
}

TEST(ConjugateGradient, BatchElementsAreSolvedIndependently) {
  SeededRandom random(6);
  auto a = random.normal({25, 10}, on_device(torch::kFloat64));
  auto y = random.normal({3, 25}, on_device(torch::kFloat64));
  y[1] *= 1000.0;  // very different scales must not couple the step lengths
  MatrixOperator op(a);
  ConjugateGradientOptions options;
  options.max_iterations = 6;  // stop early: differences would show before convergence
  options.tolerance = 0;
  auto batched = solve_least_squares(op, y, 0.1, options);
  for (int64_t b = 0; b < 3; ++b) {
    auto single = solve_least_squares(op, y[b], 0.1, options);
    EXPECT_LT(relative_error(batched.x[b], single.x), 1e-12) << "batch element " << b;
  }
}

TEST(ConjugateGradient, ReportsDecreasingObjectiveAndHonoursEarlyStop) {
  SeededRandom random(7);
  auto a = random.normal({40, 30}, on_device(torch::kFloat64));
  auto y = random.normal({40}, on_device(torch::kFloat64));
  MatrixOperator op(a);
  std::vector<std::pair<int, double>> reports;  // iteration, objective
  ConjugateGradientOptions options;
  options.max_iterations = 50;
  options.callback = [&](const IterationReport& report) {
    reports.emplace_back(report.iteration, report.objective());
    return report.iteration < 5;
  };
  auto result = solve_least_squares(op, y, 0.0, options);
  ASSERT_EQ(reports.size(), 5u);
  EXPECT_EQ(result.iterations, 5);
  EXPECT_FALSE(result.converged);
  for (size_t k = 1; k < reports.size(); ++k) {
    EXPECT_LE(reports[k].second, reports[k - 1].second + 1e-12);
    EXPECT_EQ(reports[k].first, static_cast<int>(k + 1));
  }
}

TEST(ConjugateGradient, RejectsInitialGuessOfWrongShape) {
  ConjugateGradientOptions options;
  options.initial = torch::zeros({3});
  EXPECT_THROW(conjugate_gradient([](const torch::Tensor& x) { return x; }, torch::ones({4}), 1, options),
               std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
