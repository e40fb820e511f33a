#include "solvers/shifted_wavelet_threshold.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

using testing::on_device;
using testing::relative_error;

TEST(ShiftedWaveletThreshold, WithoutShiftsThresholdsDetailsAndKeepsTheApproximation) {
  auto wavelet = std::make_shared<WaveletOperator>(Shape{16, 16}, "db2", 2);
  ShiftedWaveletThreshold prox(wavelet, 0.5, /*random_shifts=*/false, 0);
  SeededRandom random(1);
  auto v = random.normal({16, 16}, on_device(torch::kComplexDouble));
  auto coefficients = wavelet->forward(v);
  auto expected = coefficients * (coefficients.abs() - 0.5 * 0.3).clamp_min(0) / coefficients.abs();
  expected.slice(0, 0, 4).slice(1, 0, 4).copy_(coefficients.slice(0, 0, 4).slice(1, 0, 4));
  EXPECT_LT(relative_error(prox.apply(v, 0.3), wavelet->adjoint(expected)), 1e-12);
  auto details = coefficients.clone();
  details.slice(0, 0, 4).slice(1, 0, 4).zero_();
  EXPECT_NEAR(prox.value(v), 0.5 * details.abs().sum().item<double>(), 1e-9);
}

TEST(ShiftedWaveletThreshold, ZeroLambdaIsTheIdentityWithShifts) {
  auto wavelet = std::make_shared<WaveletOperator>(Shape{16, 24}, "db4", 0);
  ShiftedWaveletThreshold prox(wavelet, 0.0, /*random_shifts=*/true, 3);
  SeededRandom random(2);
  auto v = random.normal({2, 16, 24}, on_device(torch::kComplexFloat));
  for (int k = 0; k < 3; ++k) EXPECT_LT(relative_error(prox.apply(v, 1.0), v), 1e-5);
}

TEST(ShiftedWaveletThreshold, ShiftsChangeBetweenStepsAndAreSeeded) {
  auto wavelet = std::make_shared<WaveletOperator>(Shape{32, 32}, "haar", 3);
  ShiftedWaveletThreshold a(wavelet, 1.0, true, 5), b(wavelet, 1.0, true, 5);
  SeededRandom random(3);
  auto v = random.normal({32, 32}, on_device(torch::kFloat64));
  auto first = a.apply(v, 0.5), second = a.apply(v, 0.5);
  EXPECT_TRUE(torch::equal(first, b.apply(v, 0.5)));   // same seed, same shifts
  EXPECT_GT(relative_error(first, second), 1e-3);        // a new shift at each step (8 x 8 choices)
}

TEST(ShiftedWaveletThreshold, ImagesOfAnySizeAreExtendedSymmetricallyAndCroppedBack) {
  const auto layout = wavelet_layout_for({37, 45});
  auto wavelet = std::make_shared<WaveletOperator>(layout.padded, "db2", layout.levels);
  SeededRandom random(4);
  auto v = random.normal({37, 45}, on_device(torch::kComplexDouble));
  ShiftedWaveletThreshold identity(wavelet, 0.0, /*random_shifts=*/true, 1);
  const auto same = identity.apply(v, 1.0);
  ASSERT_EQ(same.sizes(), v.sizes());
  EXPECT_LT(relative_error(same, v), 1e-12);
  // A positive threshold shrinks the details of the extended image: the result moves towards the smooth
  // part, and the objective value is that of the extended image (finite, positive).
  ShiftedWaveletThreshold prox(wavelet, 0.5, /*random_shifts=*/false, 1);
  const auto shrunk = prox.apply(v, 1.0);
  EXPECT_LT(shrunk.abs().square().sum().item<double>(), v.abs().square().sum().item<double>());
  EXPECT_GT(prox.value(v), prox.value(shrunk));
  // A smooth ramp has no edge where it is mirrored, so its details stay small even on the extension.
  const auto ramp = torch::linspace(0, 1, 45, on_device(torch::kFloat64)).view({1, -1}).expand({37, 45});
  EXPECT_LT(relative_error(prox.apply(ramp, 1e-3), ramp), 1e-2);
  auto too_large = random.normal({64, 64}, on_device(torch::kFloat64));
  EXPECT_THROW(prox.apply(too_large, 1.0), OperatorError);
}

}  // namespace
}  // namespace diffrecon
