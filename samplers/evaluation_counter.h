// Network evaluations, counted where they happen, so NFE figures are measured, not assumed. Not tied
// to any kind of prior: the counting Denoiser wrapper updates one, and so can a counting token prior
// (docs/ARCHITECTURE.md, "Samplers"). `calls` is the NFE papers quote (one call evaluates every chain
// of a batch); `images` counts the images passed through the network, all chains together.
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
  int64_t calls() const { return calls_; }
  int64_t images() const { return images_; }

 private:
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> images_{0};
};

}  // namespace diffrecon
