// RAdam: the first steps (rho_t <= 5) are bias-corrected momentum steps with no adaptive scaling, the
// later ones the rectified adaptive step of torch.optim.RAdam, recomputed here from the moments; and
// it minimises a quadratic whose coordinates differ in scale by 100.
#include "samplers/radam.h"

#include <gtest/gtest.h>

#include <cmath>

namespace diffrecon {
namespace {

TEST(RAdam, MomentumFirstThenTheRectifiedAdaptiveStep) {
  RAdam radam;
  const double lr = 0.1, b1 = 0.9, b2 = 0.999;
  auto x = torch::tensor({1.0, -2.0}, torch::kFloat64);
  double m[2] = {0, 0}, v[2] = {0, 0};
  for (int t = 1; t <= 12; ++t) {
    const auto gradient = x.clone();  // f = |x|^2 / 2
    const auto next = radam.step(x, gradient, lr);
    const double rho_infinity = 2 / (1 - b2) - 1;
    const double rho = rho_infinity - 2 * t * std::pow(b2, t) / (1 - std::pow(b2, t));
    for (int i = 0; i < 2; ++i) {
      const double g = gradient[i].item<double>();
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(b1, t));
      double expected = x[i].item<double>();
      if (t <= 4) {
        ASSERT_LE(rho, 5.0);
        expected -= lr * m_hat;
      } else if (t >= 6) {
        ASSERT_GT(rho, 5.0);
        const double r = std::sqrt((rho - 4) * (rho - 2) * rho_infinity / ((rho_infinity - 4) * (rho_infinity - 2) * rho));
        expected -= lr * r * m_hat * std::sqrt(1 - std::pow(b2, t)) / (std::sqrt(v[i]) + 1e-8);
      } else {
        continue;  // t = 5: rho is 5 to rounding; either branch is RAdam's
      }
      EXPECT_NEAR(next[i].item<double>(), expected, 1e-14) << "step " << t << ", coordinate " << i;
    }
    x = next;
  }
  EXPECT_EQ(radam.steps(), 12);
}

TEST(RAdam, MinimisesAnIllConditionedQuadratic) {
  RAdam radam;
  const auto scale = torch::tensor({1.0, 100.0}, torch::kFloat64);
  auto x = torch::tensor({3.0, 3.0}, torch::kFloat64);
  for (int t = 0; t < 2000; ++t) x = radam.step(x, scale * x, 0.05);
  EXPECT_LT(x.abs().max().item<double>(), 1e-2) << x;
}

}  // namespace
}  // namespace diffrecon
