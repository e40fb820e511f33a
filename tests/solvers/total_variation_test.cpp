#include "core/diagonal_operator.h"
#include "core/fft_operator.h"
#include "core/finite_difference_operator.h"
#include "core/operator_algebra.h"
#include "core/problem.h"
#include "core/tensor_math.h"
#include "solvers/total_variation.h"
#include "tests/test_device.h"
#include "validation/image_metrics.h"
#include "validation/test_images.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

using testing::on_device;

// Chambolle (2004), "An algorithm for total variation minimization and applications", eq. (9): an
// independent solver for isotropic TV denoising min 1/2 ||x - f||^2 + lambda TV(x), used as the
// reference objective. Fixed point on the dual field p (|p| <= 1), step 1/8, x = f + lambda D^T p
// (D^T = -div for the forward-difference gradient).
torch::Tensor chambolle_denoise(const torch::Tensor& f, double lambda, int iterations) {
  FiniteDifferenceOperator gradient(f.sizes().vec());
  auto p = torch::zeros_like(gradient.forward(f));
  const double tau = 0.125;
  for (int k = 0; k < iterations; ++k) {
    auto g = gradient.forward(-gradient.adjoint(p) - f / lambda);
    auto magnitude = g.square().sum(0, true).sqrt();
    p = (p + tau * g) / (1 + tau * magnitude);
  }
  return f + lambda * gradient.adjoint(p);
}

TEST(TotalVariation, AnisotropicValueIsSumOfAbsoluteDifferences) {
  auto x = torch::tensor({{0.0, 1.0}, {3.0, 3.0}}, on_device(torch::kFloat64));
  // vertical differences: 3, 2 (and 0 on the last row); horizontal: 1, 0
  EXPECT_DOUBLE_EQ(total_variation(x, {2, 2}, {-2, -1}, /*isotropic=*/false), 6.0);
  EXPECT_DOUBLE_EQ(total_variation(x, {2, 2}, {-2, -1}, /*isotropic=*/true), std::sqrt(10.0) + 2.0);
}

TEST(TotalVariation, DenoisingMatchesChambolleReferenceObjective) {
  SeededRandom random(1);
  auto clean = piecewise_constant_phantom(32, 32, torch::kFloat64).to(testing::test_device());
  auto noisy = clean + 0.1 * random.normal({32, 32}, on_device(torch::kFloat64));
  const double lambda = 0.1;
  TotalVariationOptions options;
  options.lambda = lambda;
  options.max_iterations = 3000;
  options.tolerance = 1e-9;
  auto result = total_variation_reconstruction(*identity({32, 32}), noisy, options);
  auto reference = chambolle_denoise(noisy, lambda, 5000);
  const double reference_objective = 0.5 * squared_norm(reference - noisy).item<double>() +
                                     lambda * total_variation(reference, {32, 32}, {-2, -1}, true);
  EXPECT_NEAR(result.objective, reference_objective, 1e-4 * reference_objective);
  EXPECT_LT(testing::relative_error(result.x, reference), 1e-2);
}

TEST(TotalVariation, DenoisingReducesErrorOfPiecewiseConstantImage) {
  SeededRandom random(2);
  auto clean = piecewise_constant_phantom(48, 48, torch::kFloat32).to(testing::test_device());
  auto noisy = clean + 0.1 * random.normal({48, 48}, on_device(torch::kFloat32));
  TotalVariationOptions options;
  options.lambda = 0.08;
  options.max_iterations = 300;
  auto result = total_variation_reconstruction(*identity({48, 48}), noisy, options);
  EXPECT_LT(nrmse(result.x.cpu(), clean.cpu()), 0.5 * nrmse(noisy.cpu(), clean.cpu()));
}

TEST(TotalVariation, ZeroWeightIsPlainLeastSquaresInSinglePrecision) {
  // lambda = 0 leaves 1/2 ||x - y||^2, whose minimiser is y itself (it used to give NaN in float32).
  SeededRandom random(3);
  auto y = random.normal({16, 16}, on_device(torch::kFloat32));
  TotalVariationOptions options;
  options.lambda = 0.0;
  options.max_iterations = 200;
  auto result = total_variation_reconstruction(*identity({16, 16}), y, options);
  ASSERT_TRUE(torch::isfinite(result.x).all().item<bool>());
  EXPECT_LT(nrmse(result.x.cpu(), y.cpu()), 1e-3);
}

TEST(TotalVariation, UndersampledFourierReconstructionBeatsZeroFilling) {
  const int64_t n = 64;
  auto truth = piecewise_constant_phantom(n, n, torch::kComplexFloat).to(testing::test_device());
  SeededRandom random(3);
  auto lines = (random.uniform({n, 1}, on_device(torch::kFloat32)) < 0.3).to(torch::kFloat32);
  lines.narrow(0, n / 2 - 4, 8).fill_(1.0);
  auto op = chain({make_mask_operator(lines, {n, n}), std::make_shared<FFTOperator>(Shape{n, n}, std::vector<int64_t>{-2, -1})});
  const NoiseModel noise{0.01};
  auto y = Problem::simulate_measurement(*op, truth, noise, random);
  TotalVariationOptions options;
  options.lambda = 0.01;
  options.max_iterations = 400;
  auto result = total_variation_reconstruction(*op, y, options);
  const double zero_filled = psnr(op->adjoint(y).cpu(), truth.cpu());
  const double tv = psnr(result.x.cpu(), truth.cpu());
  EXPECT_GT(tv, zero_filled + 6.0) << "zero-filled " << zero_filled << " dB, TV " << tv << " dB";
}

TEST(TotalVariation, NonNegativityIsEnforcedAndComplexIsRefused) {
  SeededRandom random(4);
  auto noisy = 0.2 * random.normal({16, 16}, on_device(torch::kFloat64));  // zero image plus noise
  TotalVariationOptions options;
  options.lambda = 0.05;
  options.nonnegative = true;
  auto result = total_variation_reconstruction(*identity({16, 16}), noisy, options);
  EXPECT_GE(result.x.min().item<double>(), 0.0);
  EXPECT_THROW(total_variation_reconstruction(*identity({4, 4}), torch::zeros({4, 4}, torch::kComplexFloat), options),
               std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
