#include "mri/sampling_mask.h"

#include "core/seeded_random.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon::mri {
namespace {

void check_line_options(const LineMaskOptions& o, const char* who) {
  if (o.height < 1 || o.width < 1)
    throw std::invalid_argument(std::string(who) + ": height and width must be >= 1, got " + std::to_string(o.height) +
                                " x " + std::to_string(o.width));
  if (!(o.acceleration >= 1.0))
    throw std::invalid_argument(std::string(who) + ": acceleration must be >= 1, got " + std::to_string(o.acceleration));
  if (o.acs_lines < 0 || o.acs_lines > o.width)
    throw std::invalid_argument(std::string(who) + ": ACS lines must be between 0 and the width " +
                                std::to_string(o.width) + ", got " + std::to_string(o.acs_lines));
}

// [first, last) of a centred block of `count` lines out of `size`, around index size/2.
std::pair<int64_t, int64_t> centred_block(int64_t size, int64_t count) {
  const int64_t first = size / 2 - count / 2;
  return {first, first + count};
}

torch::Tensor lines_to_mask(const std::vector<bool>& lines, int64_t height) {
  auto row = torch::zeros({1, static_cast<int64_t>(lines.size())});
  auto accessor = row.accessor<float, 2>();
  for (size_t j = 0; j < lines.size(); ++j) accessor[0][j] = lines[j] ? 1.0f : 0.0f;
  return row.expand({height, row.size(1)}).contiguous();
}

// Uniform doubles in [0, 1) from a 64-bit Mersenne twister: the same sequence with every standard
// library (std::uniform_real_distribution is implementation-defined).
class UniformSource {
 public:
  explicit UniformSource(uint64_t seed) : engine_(seed) {}
  double next() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

// One Bridson pass with per-pixel ellipse radii (SigPy's _poisson), then the calibration square.
std::vector<uint8_t> poisson_pass(int64_t ny, int64_t nx, const std::vector<double>& radius_y,
                                  const std::vector<double>& radius_x, int64_t calibration, int max_attempts,
                                  uint64_t seed) {
  UniformSource random(seed);
  std::vector<uint8_t> mask(static_cast<size_t>(ny * nx), 0);
  std::vector<double> px{std::floor(random.next() * nx)}, py{std::floor(random.next() * ny)};
  while (!px.empty()) {
    const auto i = static_cast<size_t>(random.next() * px.size());
    const double x0 = px[i], y0 = py[i];
    const auto at0 = static_cast<int64_t>(y0) * nx + static_cast<int64_t>(x0);
    const double rx = radius_x[at0], ry = radius_y[at0];
    bool done = false;
    double qx = 0, qy = 0;
    for (int k = 0; k < max_attempts && !done; ++k) {
      // A candidate in the annulus between one and two radii.
      const double v = std::sqrt(random.next() * 3 + 1), t = 2 * M_PI * random.next();
      qx = x0 + v * rx * std::cos(t);
      qy = y0 + v * ry * std::sin(t);
      if (qx < 0 || qx >= nx || qy < 0 || qy >= ny) continue;
      done = true;
      const auto x_begin = std::max<int64_t>(static_cast<int64_t>(qx - rx), 0);
      const auto x_end = std::min<int64_t>(static_cast<int64_t>(qx + rx + 1), nx);
      const auto y_begin = std::max<int64_t>(static_cast<int64_t>(qy - ry), 0);
      const auto y_end = std::min<int64_t>(static_cast<int64_t>(qy + ry + 1), ny);
      for (int64_t y = y_begin; y < y_end && done; ++y)
        for (int64_t x = x_begin; x < x_end && done; ++x) {
          const auto at = y * nx + x;
          const double dx = (qx - x) / radius_x[at], dy = (qy - y) / radius_y[at];
          if (mask[at] && dx * dx + dy * dy < 1) done = false;
        }
    }
    if (done) {
      px.push_back(qx);
      py.push_back(qy);
      mask[static_cast<size_t>(static_cast<int64_t>(qy) * nx + static_cast<int64_t>(qx))] = 1;
    } else {
      px[i] = px.back();
      py[i] = py.back();
      px.pop_back();
      py.pop_back();
    }
  }
  const auto [y_first, y_last] = centred_block(ny, std::min(calibration, ny));
  const auto [x_first, x_last] = centred_block(nx, std::min(calibration, nx));
  for (int64_t y = y_first; y < y_last; ++y)
    for (int64_t x = x_first; x < x_last; ++x) mask[static_cast<size_t>(y * nx + x)] = 1;
  return mask;
}

}  // namespace

torch::Tensor random_line_mask(const LineMaskOptions& options) {
  check_line_options(options, "random line mask");
  const int64_t total = std::max<int64_t>(std::llround(options.width / options.acceleration), options.acs_lines);
  std::vector<bool> lines(static_cast<size_t>(options.width), false);
  const auto [first, last] = centred_block(options.width, options.acs_lines);
  for (int64_t j = first; j < last; ++j) lines[j] = true;
  // A seeded permutation of the lines outside the ACS block; the first ones are sampled.
  SeededRandom random(options.seed);
  const auto order = random.uniform({options.width}, torch::kFloat64).argsort();
  int64_t remaining = total - options.acs_lines;
  auto indices = order.accessor<int64_t, 1>();
  for (int64_t k = 0; k < options.width && remaining > 0; ++k) {
    const auto j = indices[k];
    if (lines[j]) continue;
    lines[j] = true;
    --remaining;
  }
  return lines_to_mask(lines, options.height);
}

torch::Tensor equispaced_line_mask(const LineMaskOptions& options) {
  check_line_options(options, "equispaced line mask");
  const int64_t step = std::max<int64_t>(std::llround(options.acceleration), 1);
  std::vector<bool> lines(static_cast<size_t>(options.width), false);
  const int64_t centre = options.width / 2;
  for (int64_t j = 0; j < options.width; ++j) lines[j] = ((j - centre) % step + step) % step == 0;
  const auto [first, last] = centred_block(options.width, options.acs_lines);
  for (int64_t j = first; j < last; ++j) lines[j] = true;
  return lines_to_mask(lines, options.height);
}

torch::Tensor poisson_disc_mask(const PoissonDiscOptions& o) {
  if (o.height < 1 || o.width < 1)
    throw std::invalid_argument("Poisson-disc mask: height and width must be >= 1, got " + std::to_string(o.height) +
                                " x " + std::to_string(o.width));
  if (!(o.acceleration >= 1.0))
    throw std::invalid_argument("Poisson-disc mask: acceleration must be >= 1, got " + std::to_string(o.acceleration));
  if (o.calibration < 0) throw std::invalid_argument("Poisson-disc mask: calibration size must be >= 0");
  const int64_t ny = o.height, nx = o.width;
  const double largest = static_cast<double>(std::max(nx, ny));
  // Normalised distance from the calibration square, 0 inside it and 1 at the farthest edge.
  std::vector<double> distance(static_cast<size_t>(ny * nx), 1.0);
  if (o.variable_density) {
    double x_max = 0, y_max = 0;
    for (int64_t x = 0; x < nx; ++x) x_max = std::max(x_max, std::max(std::abs(x - nx / 2.0) - o.calibration / 2.0, 0.0));
    for (int64_t y = 0; y < ny; ++y) y_max = std::max(y_max, std::max(std::abs(y - ny / 2.0) - o.calibration / 2.0, 0.0));
    for (int64_t y = 0; y < ny; ++y)
      for (int64_t x = 0; x < nx; ++x) {
        const double dx = x_max > 0 ? std::max(std::abs(x - nx / 2.0) - o.calibration / 2.0, 0.0) / x_max : 0;
        const double dy = y_max > 0 ? std::max(std::abs(y - ny / 2.0) - o.calibration / 2.0, 0.0) / y_max : 0;
        distance[static_cast<size_t>(y * nx + x)] = std::sqrt(dx * dx + dy * dy);
      }
  }
  double slope_min = 0, slope_max = largest;
  std::vector<uint8_t> best;
  double best_acceleration = 0;
  std::vector<double> radius_x(distance.size()), radius_y(distance.size());
  for (int iteration = 0; iteration < 60; ++iteration) {
    const double slope = (slope_min + slope_max) / 2;
    for (size_t i = 0; i < distance.size(); ++i) {
      radius_x[i] = std::max(1.0, (1 + distance[i] * slope) * nx / largest);
      radius_y[i] = std::max(1.0, (1 + distance[i] * slope) * ny / largest);
    }
    auto mask = poisson_pass(ny, nx, radius_y, radius_x, o.calibration, o.max_attempts, o.seed);
    int64_t samples = 0;
    for (auto m : mask) samples += m;
    const double achieved = static_cast<double>(ny * nx) / static_cast<double>(samples);
    if (best.empty() || std::abs(achieved - o.acceleration) < std::abs(best_acceleration - o.acceleration)) {
      best = std::move(mask);
      best_acceleration = achieved;
    }
    if (std::abs(achieved - o.acceleration) < o.tolerance) break;
    (achieved < o.acceleration ? slope_min : slope_max) = slope;
  }
  if (std::abs(best_acceleration - o.acceleration) >= o.tolerance)
    throw std::invalid_argument("Poisson-disc mask: acceleration " + std::to_string(o.acceleration) +
                                " is not reachable on " + std::to_string(ny) + " x " + std::to_string(nx) +
                                " with calibration " + std::to_string(o.calibration) + " (closest " +
                                std::to_string(best_acceleration) + ")");
  auto result = torch::empty({ny, nx});
  auto accessor = result.accessor<float, 2>();
  for (int64_t y = 0; y < ny; ++y)
    for (int64_t x = 0; x < nx; ++x) accessor[y][x] = best[static_cast<size_t>(y * nx + x)];
  return result;
}

torch::Tensor mask_from_kspace(const torch::Tensor& kspace) {
  if (!kspace.defined() || kspace.dim() < 3)
    throw std::invalid_argument("mask from k-space: expected k-space [..., coils, H, W], got " +
                                (kspace.defined() ? std::to_string(kspace.dim()) + " dims" : std::string("none")));
  auto present = kspace.ne(0).flatten(0, kspace.dim() - 3).any(0);
  return present.to(torch::kFloat32);
}

torch::Tensor mask_from_pattern(const torch::Tensor& pattern, int64_t height, int64_t width, const std::string& source) {
  auto values = pattern;
  while (values.dim() > 2 && values.size(0) == 1) values = values.squeeze(0);
  bool fits = values.dim() <= 2;
  if (fits) {
    try {
      fits = at::infer_size(values.sizes(), {height, width}) == std::vector<int64_t>{height, width};
    } catch (const c10::Error&) {
      fits = false;
    }
  }
  if (!fits) {
    throw std::invalid_argument("mask '" + source + "' has shape " + c10::str(pattern.sizes()) +
                                ", expected one that broadcasts to the k-space's [H, W] = [" + std::to_string(height) +
                                ", " + std::to_string(width) + "]");
  }
  if (!torch::isfinite(values).all().item<bool>())
    throw std::invalid_argument("mask '" + source + "' holds NaN or infinite values; expected 0 (skipped) or non-zero (sampled)");
  if (!values.ne(0).any().item<bool>())
    throw std::invalid_argument("mask '" + source + "' samples nothing; expected at least one non-zero sample");
  return values.ne(0).expand({height, width}).to(torch::kFloat32).contiguous();
}

double acceleration_of(const torch::Tensor& mask) {
  const double samples = mask.ne(0).sum().item<double>();
  if (samples == 0) throw std::invalid_argument("the sampling mask is empty");
  return static_cast<double>(mask.numel()) / samples;
}

}  // namespace diffrecon::mri
