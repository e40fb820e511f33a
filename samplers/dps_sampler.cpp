#include "samplers/dps_sampler.h"

#include "core/error.h"
#include "samplers/parameter_text.h"

namespace diffrecon {

DpsSampler::DpsSampler(DenoiserPtr prior, DpsOptions options, GuidancePtr guidance)
    : DenoiserSampler(std::move(prior)),
      options_(options), guidance_(guidance ? std::move(guidance) : std::make_shared<DpsGuidance>()) {
  ancestral_sigma_grid(options_.steps);  // validates the step count
  if (!(options_.zeta >= 0)) throw InputError("DPS: zeta must be non-negative");
}

std::vector<std::pair<std::string, std::string>> DpsSampler::parameters() const {
  return {{"steps", parameter_text(options_.steps)},
          {"zeta", parameter_text(options_.zeta)},
          {"step_rule", options_.step_rule == GuidanceStepRule::Tweedie ? "tweedie" : "residual-normalized"},
          {"guidance", guidance_->name()},
          {"schedule", "vp-discrete linear 1e-4..0.02, 1000 timesteps"}};
}

torch::Tensor DpsSampler::sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                                 const StepCallback& on_step) const {
  AncestralLoopOptions loop;
  loop.steps = options_.steps;
  loop.step_rule = options_.step_rule;
  loop.zeta = options_.zeta;
  return run_ancestral_loop(name(), loop, *guidance_, problem, prior(), count, random, on_step);
}

}  // namespace diffrecon
