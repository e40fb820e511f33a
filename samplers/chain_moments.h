// The posterior mean and standard deviation of chains, accumulated one chain at a time in chain
// order, in float64: run_sampler and a batch merging chains drawn by different processes
// (recon/pipeline/study_parts.h) both go through this, so the same chains give the same bits
// however they were batched or distributed.
#pragma once

#include <torch/types.h>

namespace diffrecon {

class ChainMoments {
 public:
  // One chain in physical units (real or complex [*domain]); chains must come in chain order.
  void add(const torch::Tensor& chain);
  int64_t count() const { return count_; }
  // The mean in `dtype` (the problem's unknown dtype).
  torch::Tensor mean(torch::ScalarType dtype) const;
  // sqrt of the unbiased E|x - mean|^2 (n / (n - 1) times the plug-in value, clamped at 0 against
  // rounding), real; undefined for fewer than 2 chains.
  torch::Tensor std(torch::ScalarType dtype) const;

 private:
  torch::Tensor sum_, sum_squares_;
  int64_t count_ = 0;
};

}  // namespace diffrecon
