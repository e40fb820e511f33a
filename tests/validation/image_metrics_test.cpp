#include "core/seeded_random.h"
#include "validation/image_metrics.h"
#include "validation/test_images.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

TEST(ImageMetrics, PsnrOfKnownErrorIsExact) {
  auto reference = torch::zeros({10, 10}, torch::kFloat64);
  reference[0][0] = 1.0;  // dynamic range 1
  auto image = reference + 0.1;  // MSE 0.01 -> 20 dB
  EXPECT_NEAR(psnr(image, reference), 20.0, 1e-10);
  EXPECT_NEAR(psnr(image, reference, 2.0), 20.0 + 20.0 * std::log10(2.0), 1e-10);
  EXPECT_EQ(psnr(reference, reference), std::numeric_limits<double>::infinity());
}

TEST(ImageMetrics, NrmseIsRelativeErrorNorm) {
  auto reference = torch::full({4}, 2.0, torch::kFloat64);
  EXPECT_NEAR(nrmse(reference * 1.1, reference), 0.1, 1e-12);
}

TEST(ImageMetrics, ComplexImagesAreComparedByMagnitude) {
  auto magnitude = piecewise_constant_phantom(16, 16, torch::kFloat64);
  auto complex = piecewise_constant_phantom(16, 16, torch::kComplexDouble);
  EXPECT_NEAR(nrmse(complex, magnitude.to(torch::kComplexDouble)), 0.0, 1e-12);
}

TEST(ImageMetrics, SsimIsOneForIdenticalImagesAndFallsWithNoise) {
  auto reference = piecewise_constant_phantom(64, 64, torch::kFloat64);
  EXPECT_NEAR(ssim(reference, reference), 1.0, 1e-12);
  SeededRandom random(1);
  auto noise = random.normal({64, 64}, torch::TensorOptions().dtype(torch::kFloat64));
  const double mild = ssim(reference + 0.02 * noise, reference);
  const double strong = ssim(reference + 0.2 * noise, reference);
  EXPECT_LT(mild, 1.0);
  EXPECT_LT(strong, mild);
  EXPECT_GT(strong, 0.0);
}

TEST(ImageMetrics, LeastSquaresScaleUndoesAnArbitraryUnit) {
  const auto reference = torch::rand({16, 16}, torch::kFloat64) + 0.1;
  EXPECT_NEAR(least_squares_scale(reference * 250.0, reference), 1.0 / 250.0, 1e-12);
  // Complex images by magnitude: a global phase does not change the scale.
  const auto rotated = torch::polar(reference * 3.0, torch::full_like(reference, 0.7));
  EXPECT_NEAR(least_squares_scale(rotated, reference), 1.0 / 3.0, 1e-12);
  EXPECT_EQ(least_squares_scale(torch::zeros_like(reference), reference), 0.0);
  EXPECT_THROW(least_squares_scale(reference, reference.narrow(0, 0, 8)), std::invalid_argument);
}

TEST(ImageMetrics, MismatchedShapesAreAnError) {
  EXPECT_THROW(psnr(torch::zeros({4, 4}), torch::zeros({4, 5})), std::invalid_argument);
  EXPECT_THROW(ssim(torch::zeros({8, 8}), torch::zeros({8, 8})), std::invalid_argument);  // too small
}

TEST(TestImages, PhantomIsDeterministicAndPiecewiseConstant) {
  auto a = piecewise_constant_phantom(32, 40);
  EXPECT_TRUE(torch::equal(a, piecewise_constant_phantom(32, 40)));
  EXPECT_EQ(a.sizes(), (c10::IntArrayRef{32, 40}));
  EXPECT_LE(std::get<0>(at::_unique(a)).numel(), 6);  // background + 5 levels at most
  EXPECT_EQ(a.max().item<float>(), 1.0f);
}

}  // namespace
}  // namespace diffrecon
