#include "mri/sampling_mask.h"

#include <gtest/gtest.h>

#include <limits>

namespace diffrecon::mri {
namespace {

using torch::indexing::Slice;

int64_t sampled_lines(const torch::Tensor& mask) { return mask[0].sum().item<int64_t>(); }

TEST(SamplingMask, RandomLinesHaveTheRequestedCountAcsAndAreSeeded) {
  LineMaskOptions options{16, 96, 4.0, 10, 7};
  auto mask = random_line_mask(options);
  ASSERT_EQ(mask.sizes(), (c10::IntArrayRef{16, 96}));
  EXPECT_EQ(sampled_lines(mask), 24);
  EXPECT_TRUE(mask.index({Slice(), Slice(43, 53)}).eq(1).all().item<bool>());  // ACS around W/2 = 48
  EXPECT_TRUE(mask.eq(mask[0]).all().item<bool>());                             // whole lines
  EXPECT_TRUE(torch::equal(mask, random_line_mask(options)));
  options.seed = 8;
  EXPECT_FALSE(torch::equal(mask, random_line_mask(options)));
  EXPECT_NEAR(acceleration_of(mask), 4.0, 1e-12);
}

TEST(SamplingMask, EquispacedLinesIncludeTheCentreAndAcs) {
  auto mask = equispaced_line_mask({4, 64, 4.0, 8, 0});
  auto row = mask[0];
  for (int64_t j = 0; j < 64; ++j) {
    const bool in_acs = j >= 28 && j < 36;
    EXPECT_EQ(row[j].item<float>() == 1, in_acs || (j - 32) % 4 == 0) << "line " << j;
  }
}

TEST(SamplingMask, LineMaskOptionsAreChecked) {
  EXPECT_THROW(random_line_mask({8, 8, 0.5, 2, 0}), std::invalid_argument);
  EXPECT_THROW(random_line_mask({8, 8, 4.0, 9, 0}), std::invalid_argument);
  EXPECT_THROW(equispaced_line_mask({0, 8, 4.0, 2, 0}), std::invalid_argument);
}

TEST(SamplingMask, PoissonDiscReachesTheAccelerationWithCalibrationAndVariableDensity) {
  PoissonDiscOptions options;
  options.height = 64;
  options.width = 48;
  options.acceleration = 5.0;
  options.calibration = 12;
  options.seed = 3;
  auto mask = poisson_disc_mask(options);
  EXPECT_NEAR(acceleration_of(mask), 5.0, options.tolerance);
  EXPECT_TRUE(mask.index({Slice(26, 38), Slice(18, 30)}).eq(1).all().item<bool>());
  EXPECT_TRUE(torch::equal(mask, poisson_disc_mask(options)));
  // Denser near the centre than in the outer band.
  const double centre = mask.index({Slice(16, 48), Slice(12, 36)}).mean().item<double>();
  const double edge = mask.index({Slice(0, 8)}).mean().item<double>();
  EXPECT_GT(centre, 2 * edge);
  // No two samples closer than one pixel along both axes: Poisson-disc, not random, sampling.
  auto neighbours = mask.index({Slice(1), Slice()}) * mask.index({Slice(0, -1), Slice()});
  EXPECT_LT(neighbours.sum().item<double>(), mask.sum().item<double>() / 2);
  options.seed = 4;
  EXPECT_FALSE(torch::equal(mask, poisson_disc_mask(options)));
}

TEST(SamplingMask, UnreachablePoissonAccelerationIsAnError) {
  PoissonDiscOptions options;
  options.height = 16;
  options.width = 16;
  options.calibration = 16;
  options.acceleration = 3.0;  // the calibration square alone samples everything
  EXPECT_THROW(poisson_disc_mask(options), std::invalid_argument);
}

TEST(SamplingMask, InferredFromKspaceNonZeros) {
  auto kspace = torch::zeros({2, 4, 5}, torch::kComplexFloat);
  kspace.index_put_({0, 1, 2}, 1.0);
  kspace.index_put_({1, 3, 4}, c10::complex<float>(0, 2));
  auto mask = mask_from_kspace(kspace);
  EXPECT_EQ(mask.sum().item<float>(), 2);
  EXPECT_EQ(mask[1][2].item<float>(), 1);
  EXPECT_EQ(mask[3][4].item<float>(), 1);
}

TEST(SamplingMask, PatternsBroadcastOrAreRejectedByName) {
  auto lines = torch::tensor({0.0f, 2.0f, 0.0f, 1.0f}).view({1, 1, 4});
  auto mask = mask_from_pattern(lines, 3, 4, "lines.cfl");
  EXPECT_EQ(mask.sizes(), (c10::IntArrayRef{3, 4}));
  EXPECT_EQ(mask.sum().item<float>(), 6);
  try {
    mask_from_pattern(torch::ones({5}), 3, 4, "wrong.cfl");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("wrong.cfl"), std::string::npos);
  }
}

TEST(SamplingMask, EmptyOrNonFinitePatternsAreRejectedByName) {
  const auto expect_refused = [](const torch::Tensor& pattern, const std::string& part) {
    try {
      mask_from_pattern(pattern, 3, 4, "given.cfl");
      ADD_FAILURE() << "accepted " << part;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("mask 'given.cfl' " + part), std::string::npos) << e.what();
    }
  };
  expect_refused(torch::zeros({3, 4}), "samples nothing");
  auto nan = torch::ones({3, 4});
  nan[1][2] = std::numeric_limits<float>::quiet_NaN();
  expect_refused(nan, "holds NaN or infinite values");
}

}  // namespace
}  // namespace diffrecon::mri
