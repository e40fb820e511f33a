// DPS, Diffusion Posterior Sampling (Chung et al., ICLR 2023; docs/samplers.md section 2): the
// guided ancestral loop with the DPS guidance (one VJP through the network per step) and the official
// step zeta grad ||y - A x0_hat||, unsquared. Mapping from sigma_y: none in the official update (the
// 1 / ||r|| normalisation stands in for 1 / sigma_y^2); zeta is the knob, and zeta = 1 corresponds to
// the paper's zeta' = 0.5 (zeta' = zeta_code / 2). With step_rule Tweedie the step is instead the exact
// (sigma^2 - sigma'^2) grad log p(y|x) with v = sigma_y's variance, the "V_t = 0" DPS of section 9.3.
// The x0_hat clamp of the official code is not applied (it kills gradients; pitfall 3).
#pragma once

#include "samplers/ancestral_loop.h"
#include "samplers/denoiser_sampler.h"

namespace diffrecon {

struct DpsOptions {
  int64_t steps = 1000;
  double zeta = 1.0;
  GuidanceStepRule step_rule = GuidanceStepRule::ResidualNormalized;
};

class DpsSampler final : public DenoiserSampler {
 public:
  // `guidance` defaults to DpsGuidance; tests pass ExactGuidance to check the loop alone.
  DpsSampler(DenoiserPtr prior, DpsOptions options, GuidancePtr guidance = nullptr);
  std::string name() const override { return "dps"; }
  std::vector<std::pair<std::string, std::string>> parameters() const override;
  int64_t evaluations_per_chain() const override { return options_.steps; }
  bool differentiates_network() const override { return guidance_->name() == "dps"; }
  torch::Tensor sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                       const StepCallback& on_step) const override;

 private:
  DpsOptions options_;
  GuidancePtr guidance_;
};

}  // namespace diffrecon
