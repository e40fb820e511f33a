// A Denoiser that forwards to another and counts the calls, so NFE figures are measured, not assumed.
#pragma once

#include "priors/denoiser.h"

#include <atomic>

namespace diffrecon {

class CountingDenoiser final : public Denoiser {
 public:
  explicit CountingDenoiser(const Denoiser& inner) : inner_(inner) {}
  int64_t channels() const override { return inner_.channels(); }
  std::string description() const override { return inner_.description(); }
  int64_t calls() const { return calls_; }
  int64_t images() const { return images_; }

 protected:
  torch::Tensor apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const override {
    ++calls_;
    images_ += x.size(0);
    return inner_.denoise(x, sigma);
  }

 private:
  const Denoiser& inner_;
  mutable std::atomic<int64_t> calls_{0};
  mutable std::atomic<int64_t> images_{0};
};

}  // namespace diffrecon
