#include "validation/line_plot.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace diffrecon {

std::vector<double> moving_average(const std::vector<double>& values, int64_t window) {
  if (window < 1) throw std::invalid_argument("moving_average: window must be >= 1");
  const auto n = static_cast<int64_t>(values.size());
  std::vector<double> prefix(values.size() + 1, 0.0);
  for (int64_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + values[i];
  std::vector<double> averaged(values.size());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t lo = std::max<int64_t>(0, i - window / 2), hi = std::min<int64_t>(n, i + window / 2 + 1);
    averaged[i] = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
  }
  return averaged;
}

torch::Tensor render_line_plot(const std::vector<double>& values, int64_t width, int64_t height, bool log_scale) {
  if (width < 16 || height < 16) throw std::invalid_argument("render_line_plot: image too small");
  auto canvas = torch::ones({height, width}, torch::kFloat32);
  auto pixels = canvas.accessor<float, 2>();
  const int64_t margin = 8, left = margin, right = width - margin, top = margin, bottom = height - margin;
  for (int64_t k = 1; k < 4; ++k) {  // grid
    const int64_t y = top + k * (bottom - top) / 4;
    for (int64_t x = left; x < right; ++x) pixels[y][x] = 0.85f;
  }
  for (int64_t x = left; x <= right - 1; ++x) pixels[top][x] = pixels[bottom - 1][x] = 0.6f;
  for (int64_t y = top; y < bottom; ++y) pixels[y][left] = pixels[y][right - 1] = 0.6f;

  std::vector<double> shown;
  for (double v : values)
    if (std::isfinite(v) && (!log_scale || v > 0)) shown.push_back(log_scale ? std::log10(v) : v);
  if (shown.size() < 2) return canvas;
  const auto [lowest, highest] = std::minmax_element(shown.begin(), shown.end());
  const double low = *lowest, span = std::max(*highest - *lowest, 1e-12);
  auto row_of = [&](double v) {
    return bottom - 2 - static_cast<int64_t>(std::lround((v - low) / span * static_cast<double>(bottom - top - 3)));
  };
  int64_t previous_row = row_of(shown.front());
  for (int64_t x = left + 1; x < right - 1; ++x) {
    const auto index = static_cast<size_t>((x - left - 1) * static_cast<int64_t>(shown.size() - 1) / (right - left - 3));
    const int64_t row = row_of(shown[std::min(index, shown.size() - 1)]);
    for (int64_t y = std::min(row, previous_row); y <= std::max(row, previous_row); ++y) pixels[y][x] = 0.0f;
    previous_row = row;
  }
  return canvas;
}

}  // namespace diffrecon
