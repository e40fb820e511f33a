#include "core/seeded_random.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

using testing::on_device;

TEST(SeededRandom, SameSeedGivesSameBits) {
  SeededRandom a(42), b(42), c(43);
  auto x = a.normal({64}, on_device(torch::kFloat32));
  auto y = b.normal({64}, on_device(torch::kFloat32));
  EXPECT_TRUE(torch::equal(x, y));
  EXPECT_FALSE(torch::equal(x, c.normal({64}, on_device(torch::kFloat32))));
  // A generator advances: the next draw differs from the first.
  EXPECT_FALSE(torch::equal(x, a.normal({64}, on_device(torch::kFloat32))));
}

TEST(SeededRandom, DrawsTheSameNumbersOnEveryDevice) {
  SeededRandom cpu(9), device(9);
  auto on_cpu = cpu.normal({16}, torch::TensorOptions().dtype(torch::kFloat64));
  auto elsewhere = device.normal({16}, on_device(torch::kFloat64));
  EXPECT_TRUE(torch::equal(on_cpu, elsewhere.to(torch::kCPU)));
}

TEST(SeededRandom, ComplexNormalHasUnitExpectedSquaredMagnitude) {
  SeededRandom random(7);
  const int64_t n = 200000;
  auto z = random.normal({n}, on_device(torch::kComplexDouble)).to(torch::kCPU);
  auto power = (torch::real(z).square() + torch::imag(z).square());
  // E|z|^2 = 1 with |z|^2 ~ Exp(1) (standard deviation 1): within 3 standard errors.
  EXPECT_NEAR(power.mean().item<double>(), 1.0, 3.0 / std::sqrt(double(n)));
  // Each part has variance 1/2 (variance of the sample variance ~ 2 sigma^4 / n).
  const double standard_error = std::sqrt(2.0 * 0.25 / n);
  EXPECT_NEAR(torch::real(z).var().item<double>(), 0.5, 3 * standard_error);
  EXPECT_NEAR(torch::imag(z).var().item<double>(), 0.5, 3 * standard_error);
  EXPECT_NEAR((torch::real(z) * torch::imag(z)).mean().item<double>(), 0.0, 3 * 0.5 / std::sqrt(double(n)));
}

TEST(SeededRandom, UniformIsInTheUnitInterval) {
  SeededRandom random(3);
  auto u = random.uniform({10000}, on_device(torch::kFloat64));
  EXPECT_GE(u.min().item<double>(), 0.0);
  EXPECT_LT(u.max().item<double>(), 1.0);
  EXPECT_NEAR(u.mean().item<double>(), 0.5, 3 * std::sqrt(1.0 / 12 / 10000));
  EXPECT_THROW(random.uniform({3}, torch::TensorOptions().dtype(torch::kComplexFloat)), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
