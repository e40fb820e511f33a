#include "samplers/mcg_sampler.h"

#include "core/error.h"
#include "samplers/parameter_text.h"

namespace diffrecon {

McgSampler::McgSampler(DenoiserPtr prior, McgOptions options, GuidancePtr guidance)
    : DenoiserSampler(std::move(prior)),
      options_(options), guidance_(guidance ? std::move(guidance) : std::make_shared<DpsGuidance>()) {
  ancestral_sigma_grid(options_.steps);
  if (!(options_.alpha >= 0)) throw InputError("MCG: alpha must be non-negative");
  if (!(options_.lambda_start > 0 && options_.lambda_end > 0))
    throw InputError("MCG: projection weights lambda must be positive");
}

std::vector<std::pair<std::string, std::string>> McgSampler::parameters() const {
  return {{"steps", parameter_text(options_.steps)},
          {"alpha", parameter_text(options_.alpha)},
          {"projection", to_string(options_.projection)},
          {"lambda_start", parameter_text(options_.lambda_start)},
          {"lambda_end", parameter_text(options_.lambda_end)},
          {"guidance", guidance_->name()},
          {"schedule", "vp-discrete linear 1e-4..0.02, 1000 timesteps"}};
}

torch::Tensor McgSampler::sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                                 const StepCallback& on_step) const {
  AncestralLoopOptions loop;
  loop.steps = options_.steps;
  loop.step_rule = GuidanceStepRule::ResidualNormalized;
  loop.zeta = options_.alpha;
  loop.projection = options_.projection;
  loop.lambda_start = options_.lambda_start;
  loop.lambda_end = options_.lambda_end;
  return run_ancestral_loop(name(), loop, *guidance_, problem, prior(), count, random, on_step);
}

}  // namespace diffrecon
