// The SynthSeg-style augmentations of prior training (priors/training_images.h): random deformations and
// bias fields change an image the way a different head or coil would, and no more.
#include "priors/training_images.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace diffrecon {
namespace {

// A bright disc with a darker ring: something whose area and position a warp visibly changes.
torch::Tensor disc(int64_t size) {
  const auto axis = torch::linspace(-1, 1, size);
  const auto y = axis.view({-1, 1}), x = axis.view({1, -1});
  const auto radius = (y.square() + x.square()).sqrt();
  return (radius < 0.6).to(torch::kFloat32) * 0.5 + (radius < 0.3).to(torch::kFloat32) * 0.5;
}

TEST(TrainingAugmentation, DeformationsWarpWithinSynthSegsRanges) {
  const auto image = disc(96);
  const double area = (image > 0.25).to(torch::kFloat64).sum().item<double>();
  double largest_change = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    SeededRandom random(seed);
    const auto warped = random_deformation(image, random);
    ASSERT_EQ(warped.sizes(), image.sizes());
    EXPECT_GE(warped.min().item<double>(), -1e-6);  // bilinear: no overshoot
    EXPECT_LE(warped.max().item<double>(), 1.0 + 1e-6);
    // Scaling by at most 15 % changes the area by at most (1 / 0.85)^2 = 1.38; elastic displacements of a
    // few pixels add a little.
    const double warped_area = (warped > 0.25).to(torch::kFloat64).sum().item<double>();
    EXPECT_GT(warped_area / area, 0.65) << "seed " << seed;
    EXPECT_LT(warped_area / area, 1.5) << "seed " << seed;
    largest_change = std::max(largest_change, (warped - image).abs().mean().item<double>());
  }
  EXPECT_GT(largest_change, 0.02) << "the deformations should move the disc's edges";
}

TEST(TrainingAugmentation, DeformationsAreReproducibleFromTheirSeed) {
  const auto image = disc(64);
  SeededRandom a(11), b(11), c(12);
  const auto first = random_deformation(image, a);
  EXPECT_TRUE(torch::equal(first, random_deformation(image, b)));
  EXPECT_FALSE(torch::equal(first, random_deformation(image, c)));
}

TEST(TrainingAugmentation, BiasFieldsArePositiveSmoothAndBoundedByTheirStd) {
  for (uint64_t seed = 0; seed < 10; ++seed) {
    SeededRandom random(seed);
    const auto field = random_bias_field(80, 64, random, 0.5);
    ASSERT_EQ(field.sizes(), (std::vector<int64_t>{80, 64}));
    const auto log_field = field.log();
    EXPECT_GT(field.min().item<double>(), 0.0);
    // A standard deviation of at most 0.5 on the coarse grid; bicubic overshoot stays well inside 4 std.
    EXPECT_LT(log_field.abs().max().item<double>(), 2.0) << "seed " << seed;
    // Smooth: neighbouring pixels differ by a small fraction of the field's range.
    const double step = (log_field.narrow(1, 1, 63) - log_field.narrow(1, 0, 63)).abs().max().item<double>();
    EXPECT_LT(step, 0.1) << "seed " << seed;
  }
  SeededRandom random(3);
  EXPECT_TRUE(torch::allclose(random_bias_field(16, 16, random, 0.0), torch::ones({16, 16})));
}

TEST(TrainingAugmentation, VolumeSlicesWithEveryAugmentationStayNormalisedAndFinite) {
  auto volume = disc(64).unsqueeze(0).repeat({8, 1, 1});
  SliceSourceOptions options;
  options.axes = {0};
  options.patch_size = 32;
  options.deformation = 1.0;
  options.bias_field = 0.5;
  options.gamma_std = 0.3;
  VolumeSliceSource source({volume}, options);
  SeededRandom random(1);
  for (int i = 0; i < 10; ++i) {
    const auto image = source.draw(random);
    ASSERT_EQ(image.sizes(), (std::vector<int64_t>{1, 32, 32}));
    EXPECT_TRUE(torch::isfinite(image).all().item<bool>());
    EXPECT_GE(image.min().item<double>(), 0.0);
    EXPECT_LT(image.max().item<double>(), 3.0);  // normalised to its 99th percentile before the gamma
  }
  options.deformation = 1.5;
  EXPECT_THROW(VolumeSliceSource({volume}, options), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
