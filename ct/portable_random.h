// Random numbers that are the same on every platform for a given seed: std::mt19937_64's output
// sequence is fixed by the standard, while the std:: distributions are implementation-defined, so
// the phantom generators convert the engine's bits to doubles themselves.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

namespace diffrecon::ct {

class PortableUniform {
 public:
  explicit PortableUniform(uint64_t seed) : engine_(seed) {}
  // The top 53 bits make a double in [0, 1) exactly.
  double next() { return double(engine_() >> 11) * 0x1.0p-53; }
  double between(double low, double high) { return low + (high - low) * next(); }
  int count_between(int low, int high) { return low + std::min(high - low, int(next() * double(high - low + 1))); }
  double sign() { return next() < 0.5 ? -1.0 : 1.0; }
  bool chance(double probability) { return next() < probability; }
  // A standard normal draw (Box-Muller on two uniforms; 1 - next() keeps the logarithm finite).
  double normal() {
    const double u = 1.0 - next(), v = next();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace diffrecon::ct
