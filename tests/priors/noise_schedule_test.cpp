#include "priors/noise_schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

namespace diffrecon {
namespace {

TEST(NoiseSchedule, VpDiscreteMatchesTheDdpmDefinition) {
  VpDiscreteSchedule schedule;
  EXPECT_EQ(schedule.timesteps(), 1000);
  EXPECT_DOUBLE_EQ(schedule.alpha_bar(0), 1 - 1e-4);
  EXPECT_NEAR(schedule.alpha_bar(1), (1 - 1e-4) * (1 - (1e-4 + (0.02 - 1e-4) / 999)), 1e-15);
  double product = 1;
  for (int i = 0; i < 1000; ++i) product *= 1 - schedule.beta(i);
  EXPECT_NEAR(schedule.alpha_bar(999), product, 1e-15);
  EXPECT_NEAR(schedule.beta(999), 0.02, 1e-15);
  // sigma^2 = (1 - alpha_bar) / alpha_bar and s = sqrt(alpha_bar).
  EXPECT_NEAR(schedule.sigma(500), std::sqrt((1 - schedule.alpha_bar(500)) / schedule.alpha_bar(500)), 1e-12);
  EXPECT_NEAR(schedule.scale(500), std::sqrt(schedule.alpha_bar(500)), 1e-15);
  EXPECT_GT(schedule.sigma(999), 150.0);  // the linear schedule reaches sigma ~ 157
  EXPECT_LT(schedule.sigma(0), 0.011);
}

TEST(NoiseSchedule, EveryScheduleInvertsItsSigmaExactly) {
  std::vector<std::shared_ptr<NoiseSchedule>> schedules{
      std::make_shared<VpDiscreteSchedule>(), std::make_shared<VpContinuousSchedule>(),
      std::make_shared<VeGeometricSchedule>(0.01, 50.0), std::make_shared<EdmSchedule>()};
  for (const auto& schedule : schedules) {
    for (double t : schedule->time_grid(17)) {
      const double sigma = schedule->sigma(t);
      EXPECT_NEAR(schedule->time_for_sigma(sigma), t, 1e-9 * std::max(1.0, t)) << schedule->name() << " t=" << t;
    }
    // Grids run from the noisiest to the least noisy level.
    const auto sigmas = schedule->sigma_grid(25);
    ASSERT_EQ(sigmas.size(), 25u);
    for (size_t i = 1; i < sigmas.size(); ++i) EXPECT_LT(sigmas[i], sigmas[i - 1]) << schedule->name();
  }
}

TEST(NoiseSchedule, DiscreteAndContinuousVpAgreeUpToDiscretisation) {
  // beta_i = beta(t_i) / N with t_i = i / (N - 1): the continuous SDE with beta_min = 0.1, beta_max = 20
  // is the N -> infinity limit of DDPM's linear(1e-4, 0.02, 1000) schedule.
  VpDiscreteSchedule discrete;
  VpContinuousSchedule continuous;
  for (int index : {50, 200, 500, 800, 999}) {
    const double t = (index + 1) / 1000.0;
    EXPECT_NEAR(std::log(discrete.alpha_bar(index)), std::log(continuous.alpha_bar(t)),
                0.01 * std::abs(std::log(continuous.alpha_bar(t))) + 2e-3)
        << index;
  }
  // The VP time <-> EDM sigma conversion used by DAPS's VPPrecond: t(sigma) inverts sigma(t).
  for (double sigma : {0.01, 0.5, 2.0, 80.0})
    EXPECT_NEAR(continuous.sigma(continuous.time_for_sigma(sigma)), sigma, 1e-9 * sigma);
}

TEST(NoiseSchedule, EdmGridFollowsKarrasEquation5) {
  EdmSchedule schedule(0.002, 80.0, 7.0);
  const auto grid = schedule.sigma_grid(18);
  EXPECT_NEAR(grid.front(), 80.0, 1e-12);
  EXPECT_NEAR(grid.back(), 0.002, 1e-12);
  const double a = std::pow(80.0, 1 / 7.0), b = std::pow(0.002, 1 / 7.0);
  EXPECT_NEAR(grid[5], std::pow(a + 5.0 / 17.0 * (b - a), 7.0), 1e-12);
}

TEST(NoiseSchedule, VpStridedGridStepsByTimestepsOverSteps) {
  // DDIM's and RED-diff's respacing: 980, 960, ..., 0 for 50 of 1000; 333 steps stride 3 (996..0).
  VpDiscreteSchedule schedule;
  const auto fifty = schedule.strided_time_grid(50);
  ASSERT_EQ(fifty.size(), 50u);
  EXPECT_EQ(fifty.front(), 980.0);
  EXPECT_EQ(fifty[1], 960.0);
  EXPECT_EQ(fifty.back(), 0.0);
  const auto odd = schedule.strided_time_grid(333);
  ASSERT_EQ(odd.size(), 333u);
  EXPECT_EQ(odd.front(), 996.0);
  EXPECT_EQ(schedule.strided_time_grid(1), std::vector<double>{0.0});
  EXPECT_THROW(schedule.strided_time_grid(0), std::invalid_argument);
  EXPECT_THROW(schedule.strided_time_grid(1001), std::invalid_argument);
}

TEST(NoiseSchedule, VeGeometricIsGeometric) {
  VeGeometricSchedule schedule(0.01, 50.0, 0.0);
  EXPECT_NEAR(schedule.sigma(0), 0.01, 1e-15);
  EXPECT_NEAR(schedule.sigma(1), 50.0, 1e-12);
  EXPECT_NEAR(schedule.sigma(0.5), std::sqrt(0.01 * 50.0), 1e-12);
}

TEST(NoiseSchedule, ConversionsBetweenVpAndEdm) {
  for (double alpha_bar : {0.999, 0.5, 1e-4}) {
    const double sigma = vp_sigma_from_alpha_bar(alpha_bar);
    EXPECT_NEAR(vp_alpha_bar_from_sigma(sigma), alpha_bar, 1e-14);
  }
  EXPECT_THROW(vp_sigma_from_alpha_bar(0.0), std::domain_error);
  EXPECT_THROW(VpDiscreteSchedule().time_for_sigma(1e4), std::domain_error);
  EXPECT_THROW(EdmSchedule().time_grid(1), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
