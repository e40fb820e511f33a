#include "ct/parker_weights.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::ct {
namespace {
constexpr double kPi = 3.14159265358979323846;
}

double parker_weight(double beta, double gamma, double delta) {
  if (beta < 0.0 || beta > kPi + 2.0 * delta) return 0.0;
  if (beta < 2.0 * (delta + gamma)) return std::pow(std::sin(0.25 * kPi * beta / (delta + gamma)), 2);
  if (beta <= kPi + 2.0 * gamma) return 1.0;
  return std::pow(std::sin(0.25 * kPi * (kPi + 2.0 * delta - beta) / (delta - gamma)), 2);
}

torch::Tensor parker_weights(const FanBeamGeometry& geometry) {
  geometry.validate("parker_weights");
  const auto& angles = geometry.angles_deg;
  for (size_t v = 1; v < angles.size(); ++v) {
    if (!(angles[v] > angles[v - 1])) {
      throw std::invalid_argument("short-scan FBP expects increasing source angles (counter-clockwise rotation)");
    }
  }
  const double range = (angles.back() - angles.front()) * kPi / 180.0;
  const double delta = 0.5 * (range - kPi);
  const double gamma_max = geometry.fan_half_angle_rad();
  if (delta < gamma_max - 1e-9) {
    throw std::invalid_argument("short-scan FBP needs source angles covering at least 180 + 2 x fan half-angle = " +
                                std::to_string(180.0 + 2.0 * gamma_max * 180.0 / kPi) + " degrees; these cover " +
                                std::to_string(range * 180.0 / kPi));
  }
  auto weights = torch::empty({geometry.view_count(), geometry.detector_count}, torch::kFloat64);
  double* w = weights.data_ptr<double>();
  for (int64_t v = 0; v < geometry.view_count(); ++v) {
    const double beta = (angles[v] - angles.front()) * kPi / 180.0;
    for (int64_t k = 0; k < geometry.detector_count; ++k) {
      const double gamma = geometry.fan_angle_rad(geometry.detector_position_mm(double(k)));
      w[v * geometry.detector_count + k] = parker_weight(beta, gamma, delta);
    }
  }
  return weights;
}

}  // namespace diffrecon::ct
