// MCG, Manifold Constrained Gradients (Chung et al., NeurIPS 2022; docs/samplers.md section 3):
// the DPS-style step grad ||y - A x0_hat|| through the network (weight alpha = 1 in the official
// inpainting code) followed by a hard projection onto the measured data noised to the current level
// (DataProjection): k-space data replacement for MRI (identity preconditioner), the normalised ART
// step on the measured views for CT (column sums, lambda 1.0 -> 0.6 as in the official CT code).
// MCG assumes noiseless data: the projection puts the measured noise back into the image.
#pragma once

#include "samplers/ancestral_loop.h"
#include "samplers/denoiser_sampler.h"

namespace diffrecon {

struct McgOptions {
  int64_t steps = 1000;
  double alpha = 1.0;  // weight of the manifold-constrained gradient
  ProjectionPreconditioner projection = ProjectionPreconditioner::Identity;
  double lambda_start = 1.0, lambda_end = 1.0;
};

class McgSampler final : public DenoiserSampler {
 public:
  McgSampler(DenoiserPtr prior, McgOptions options, GuidancePtr guidance = nullptr);
  std::string name() const override { return "mcg"; }
  std::vector<std::pair<std::string, std::string>> parameters() const override;
  int64_t evaluations_per_chain() const override { return options_.steps; }
  bool differentiates_network() const override { return guidance_->name() == "dps"; }
  torch::Tensor sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                       const StepCallback& on_step) const override;

 private:
  McgOptions options_;
  GuidancePtr guidance_;
};

}  // namespace diffrecon
