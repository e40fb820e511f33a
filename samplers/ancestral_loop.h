// The guided ancestral loop shared by DPS and MCG: DDPM ancestral sampling over a respaced discrete VP
// schedule (Ho et al. 2020; linear betas 1e-4..0.02 over 1000 steps, as in ADM), written in EDM
// coordinates x_sigma = x_t / sqrt(alpha_bar_t). In those coordinates the DDPM step from sigma to
// sigma' < sigma with the posterior variance beta_tilde is exactly (docs/samplers.md 9.4)
//   x' = r x + (1 - r) D(x; sigma) + sigma' sqrt(1 - r) z,   r = sigma'^2 / sigma^2,
// and the last step (sigma' = 0) returns D. The guidance g ~ grad_x log p(y | x) then moves x' by
//   Tweedie:            (sigma^2 - sigma'^2) g, which is exact: it turns D into E[x0 | x, y]
//                       (the VP form beta_t / sqrt(alpha_t) grad_{x_t} log p(y | x_t));
//   ResidualNormalized: -zeta grad_{x_t} ||y - A x0_hat||, the official DPS/MCG code's unsquared norm
//                       (DPS2022 issue #20), i.e. step zeta v / ||r|| on g, mapped to x_sigma by
//                       1 / (sqrt(alpha_bar_t) sqrt(alpha_bar_t-1)).
// `prior` is the sampler's (counted) Denoiser; the guidance reaches the measurement through the
// problem's DataTerm. Optionally each step ends with MCG's data projection onto y + sigma' A n (the measurement noised to
// the new level; the official inpainting code uses the old level, one step noisier).
#pragma once

#include "samplers/data_projection.h"
#include "samplers/likelihood_guidance.h"
#include "samplers/sampler.h"

#include <optional>

namespace diffrecon {

enum class GuidanceStepRule { Tweedie, ResidualNormalized };

struct AncestralLoopOptions {
  int64_t steps = 1000;  // respaced from 1000 VP timesteps
  GuidanceStepRule step_rule = GuidanceStepRule::ResidualNormalized;
  double zeta = 1.0;     // ResidualNormalized only
  // MCG: projection after every step with lambda going linearly from lambda_start to lambda_end.
  std::optional<ProjectionPreconditioner> projection;
  double lambda_start = 1.0, lambda_end = 1.0;
};

// The EDM noise levels of the respaced VP grid (VpDiscreteSchedule::sigma_grid, ADM's respacing),
// noisiest first, with a final 0 appended. Throws InputError for steps outside [2, 1000].
std::vector<double> ancestral_sigma_grid(int64_t steps);

torch::Tensor run_ancestral_loop(const std::string& sampler_name, const AncestralLoopOptions& options,
                                 const LikelihoodGuidance& guidance, const PosteriorProblem& problem,
                                 const Denoiser& prior, int64_t count, SeededRandom& random,
                                 const StepCallback& on_step);

}  // namespace diffrecon
