// Network evaluations, counted where they happen, so NFE figures are measured, not assumed. Not tied
// to any kind of prior: the counting Denoiser wrapper updates one, and so can a counting token prior
// (docs/ARCHITECTURE.md, "Samplers"). `calls` is the NFE papers quote (one call evaluates every chain
// of a batch); `images` counts the images passed through the network, all chains together.
// `seconds` is the wall time spent inside the network, forward and (for samplers that differentiate
// it) backward: what run_sampler reports as network time, so the rest of a sampler's time (data term,
// CG, schedules, copies) is the difference (docs/benchmarks.md, "Throughput").
#pragma once

#include <atomic>
#include <cstdint>

namespace diffrecon {

class EvaluationCounter {
 public:
  // One network call on `images` images.
  void record(int64_t images) {
    ++calls_;
    images_ += images;
  }
  // Wall time spent in the network (a forward pass or its backward pass).
  void record_seconds(double seconds) { nanoseconds_ += static_cast<int64_t>(seconds * 1e9); }
  int64_t calls() const { return calls_; }
  int64_t images() const { return images_; }
  double seconds() const { return static_cast<double>(nanoseconds_.load()) * 1e-9; }

 private:
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> images_{0};
  std::atomic<int64_t> nanoseconds_{0};
};

}  // namespace diffrecon
