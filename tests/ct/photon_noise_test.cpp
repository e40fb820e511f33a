// Photon noise: unbiased to first order, variance 1 / (I0 exp(-p)) (the delta method for -log of a
// Poisson count), reproducible by seed, starvation kept finite.
#include "ct/photon_noise.h"

#include <gtest/gtest.h>

namespace diffrecon::ct {
namespace {

TEST(PhotonNoise, HasTheVarianceOfLogPoissonCountsAndIsSeeded) {
  const auto clean = torch::full({200000}, 2.0, torch::kFloat64);
  const double photons = 1e5;
  const auto noisy = add_photon_noise(clean, photons, 7);
  const double expected_variance = 1.0 / (photons * std::exp(-2.0));  // ~7.4e-5
  EXPECT_NEAR(noisy.mean().item<double>(), 2.0, 1e-3);
  EXPECT_NEAR(noisy.var().item<double>() / expected_variance, 1.0, 0.03);
  EXPECT_TRUE(torch::equal(noisy, add_photon_noise(clean, photons, 7)));
  EXPECT_FALSE(torch::equal(noisy, add_photon_noise(clean, photons, 8)));
  // Fewer photons, more noise.
  EXPECT_GT(add_photon_noise(clean, 1e3, 7).var().item<double>(), 50.0 * noisy.var().item<double>());
}

TEST(PhotonNoise, StarvedRaysStayFiniteAndBadArgumentsAreRefused) {
  const auto opaque = torch::full({1000}, 30.0, torch::kFloat32);  // exp(-30) I0 << 1 photon
  const auto noisy = add_photon_noise(opaque, 1e4, 1);
  EXPECT_TRUE(torch::isfinite(noisy).all().item<bool>());
  EXPECT_EQ(noisy.scalar_type(), torch::kFloat32);
  EXPECT_NEAR(noisy.max().item<float>(), -std::log(0.1 / 1e4), 1e-3);
  EXPECT_THROW(add_photon_noise(opaque, 0.0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon::ct
