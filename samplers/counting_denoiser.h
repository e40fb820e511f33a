// A Denoiser that forwards to another and records every call in an EvaluationCounter: the call, the
// images, and the wall time inside the network (forward, and the backward pass when a sampler
// differentiates through it). Samplers built on a Denoiser wrap their prior in one at construction
// (DenoiserSampler), so run_sampler reads the NFE and the network time from the sampler without
// knowing what kind of prior it holds.
#pragma once

#include "priors/denoiser.h"
#include "samplers/evaluation_counter.h"

#include <memory>

namespace diffrecon {

class CountingDenoiser final : public Denoiser {
 public:
  CountingDenoiser(DenoiserPtr inner, std::shared_ptr<EvaluationCounter> counter)
      : inner_(std::move(inner)), counter_(std::move(counter)) {}
  int64_t channels() const override { return inner_->channels(); }
  std::string description() const override { return inner_->description(); }
  const EvaluationCounter& counter() const { return *counter_; }

 protected:
  torch::Tensor apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const override;

 private:
  DenoiserPtr inner_;
  std::shared_ptr<EvaluationCounter> counter_;
};

}  // namespace diffrecon
