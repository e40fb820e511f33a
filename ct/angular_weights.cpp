#include "ct/angular_weights.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace diffrecon::ct {
namespace {

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

// Weights from the gap after each sorted view (gaps[k] between order[k] and order[k + 1]).
std::vector<double> from_gaps(const std::vector<size_t>& order, const std::vector<double>& gaps, bool circular) {
  // Duplicate angles have zero gaps; the median of the non-zero gaps is the typical spacing, and a
  // gap over three times that is a missing wedge, not spacing.
  std::vector<double> positive;
  for (double gap : gaps) {
    if (gap > 1e-12) positive.push_back(gap);
  }
  const double cap = positive.empty() ? 0.0 : 3.0 * median_of(positive);
  const size_t n = order.size();
  std::vector<double> weights(n, 0.0);
  for (size_t k = 0; k < n; ++k) {
    const bool has_before = circular || k > 0, has_after = circular || k + 1 < n;
    const double before = has_before ? std::min(gaps[(k + n - 1) % n], cap) : 0.0;
    const double after = has_after ? std::min(gaps[k % gaps.size()], cap) : 0.0;
    weights[order[k]] = 0.5 * (before + after);
  }
  return weights;
}

}  // namespace

std::vector<double> circular_angular_weights(const std::vector<double>& angles_rad, double period) {
  if (angles_rad.empty()) throw std::invalid_argument("angular weights need at least one angle");
  const size_t n = angles_rad.size();
  if (n == 1) return {period};
  std::vector<double> wrapped(n);
  for (size_t i = 0; i < n; ++i) {
    wrapped[i] = std::fmod(angles_rad[i], period);
    if (wrapped[i] < 0.0) wrapped[i] += period;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return wrapped[a] < wrapped[b]; });
  std::vector<double> gaps(n);
  for (size_t k = 0; k < n; ++k) {
    const double next = k + 1 < n ? wrapped[order[k + 1]] : wrapped[order[0]] + period;
    gaps[k] = next - wrapped[order[k]];
  }
  return from_gaps(order, gaps, true);
}

std::vector<double> open_angular_weights(const std::vector<double>& angles_rad) {
  if (angles_rad.empty()) throw std::invalid_argument("angular weights need at least one angle");
  const size_t n = angles_rad.size();
  if (n == 1) return {0.0};
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return angles_rad[a] < angles_rad[b]; });
  std::vector<double> gaps(n - 1);
  for (size_t k = 0; k + 1 < n; ++k) gaps[k] = angles_rad[order[k + 1]] - angles_rad[order[k]];
  return from_gaps(order, gaps, false);
}

}  // namespace diffrecon::ct
