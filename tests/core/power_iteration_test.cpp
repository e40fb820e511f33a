#include "core/diagonal_operator.h"
#include "core/fft_operator.h"
#include "core/finite_difference_operator.h"
#include "core/matrix_operator.h"
#include "core/operator_algebra.h"
#include "core/power_iteration.h"
#include "core/seeded_random.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>


namespace diffrecon {
namespace {

using testing::on_device;

PowerIterationOptions precise() {
  PowerIterationOptions options;
  options.precision = torch::kFloat64;
  options.max_iterations = 2000;
  options.tolerance = 1e-12;
  return options;
}

TEST(PowerIteration, NormOfDiagonalIsLargestMagnitude) {
  auto weights = torch::tensor({0.5, -3.0, 2.0, 1.0}, on_device(torch::kFloat64));
  DiagonalOperator diagonal(weights, {4});
  auto result = operator_norm(diagonal, precise());
  EXPECT_TRUE(result.converged);
  EXPECT_NEAR(result.norm, 3.0, 1e-5);
}

TEST(PowerIteration, NormOfComplexMatrixIsItsLargestSingularValue) {
  SeededRandom random(1);
  auto matrix = random.normal({12, 7}, on_device(torch::kComplexDouble));
  MatrixOperator op(matrix);
  const double expected = torch::linalg_svdvals(matrix.to(torch::kCPU))[0].item<double>();
  EXPECT_NEAR(operator_norm(op, precise()).norm, expected, 1e-6 * expected);
}

TEST(PowerIteration, UnitaryFFTAndScaledOperatorsHaveKnownNorms) {
  auto fft = std::make_shared<FFTOperator>(Shape{8, 8}, std::vector<int64_t>{-2, -1});
  EXPECT_NEAR(operator_norm(*fft, precise()).norm, 1.0, 1e-9);
  EXPECT_NEAR(operator_norm(*scale(fft, {0.0, -2.0}), precise()).norm, 2.0, 1e-9);
}

TEST(PowerIteration, FiniteDifferenceNormIsBelowTheoreticalBound) {
  FiniteDifferenceOperator gradient({32, 32});
  const double norm = operator_norm(gradient, precise()).norm;
  EXPECT_LT(norm, std::sqrt(8.0));  // ||D||^2 <= 4 per dimension
  EXPECT_GT(norm, 2.7);             // and close to it for a 32 x 32 grid
}

}  // namespace
}  // namespace diffrecon
