#include "mri/simulated_coils.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::mri {

torch::Tensor birdcage_sensitivities(int64_t coils, int64_t height, int64_t width, double relative_radius) {
  if (coils < 1 || height < 2 || width < 2)
    throw std::invalid_argument("birdcage sensitivities: need coils >= 1 and an image of at least 2 x 2, got " +
                                std::to_string(coils) + " coils, " + std::to_string(height) + " x " +
                                std::to_string(width));
  auto maps = torch::empty({coils, height, width}, torch::kComplexFloat);
  auto out = maps.accessor<c10::complex<float>, 3>();
  for (int64_t c = 0; c < coils; ++c) {
    const double angle = 2 * M_PI * static_cast<double>(c) / static_cast<double>(coils);
    const double coil_y = relative_radius * std::sin(angle), coil_x = relative_radius * std::cos(angle);
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x) {
        const double dy = (y - height / 2.0) / (height / 2.0) - coil_y;
        const double dx = (x - width / 2.0) / (width / 2.0) - coil_x;
        const double distance = std::max(std::hypot(dx, dy), 1e-6);
        const double phase = std::atan2(dx, -dy) - angle;
        out[c][y][x] = c10::complex<float>(static_cast<float>(std::cos(phase) / distance),
                                           static_cast<float>(std::sin(phase) / distance));
      }
  }
  return maps;
}

}  // namespace diffrecon::mri
