// Wall-clock helpers shared by the benchmarks: medians of repeated runs, and paired (alternating)
// measurements so a ratio between two workloads survives a shared machine's drifting load.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>
#include <vector>

namespace diffrecon::bench {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline double elapsed_ms(const std::function<void()>& run) {
  const auto start = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

inline double median(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Median wall time in milliseconds of `repeats` runs after one warm-up.
inline double median_ms(const std::function<void()>& run, int repeats) {
  run();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) times.push_back(elapsed_ms(run));
  return median(times);
}

// Median times of two workloads measured alternately (a, b, a, b, ...), so drift in the machine's
// load affects both alike and their ratio is meaningful on a shared machine.
inline std::pair<double, double> paired_median_ms(const std::function<void()>& a, const std::function<void()>& b,
                                           int repeats) {
  a();
  b();
  std::vector<double> times_a, times_b;
  for (int i = 0; i < repeats; ++i) {
    times_a.push_back(elapsed_ms(a));
    times_b.push_back(elapsed_ms(b));
  }
  return {median(times_a), median(times_b)};
}

}  // namespace diffrecon::bench
