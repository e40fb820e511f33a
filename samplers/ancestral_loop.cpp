#include "samplers/ancestral_loop.h"

#include "core/error.h"
#include "priors/noise_schedule.h"

#include <cmath>
#include <memory>

namespace diffrecon {

std::vector<double> ancestral_sigma_grid(int64_t steps) {
  if (steps < 2) throw InputError("ancestral sampler: steps must be at least 2, got " + std::to_string(steps));
  VpDiscreteSchedule schedule;
  if (steps > schedule.timesteps())
    throw InputError("ancestral sampler: at most " + std::to_string(schedule.timesteps()) +
                                " steps (the VP schedule's timesteps), got " + std::to_string(steps));
  auto grid = schedule.sigma_grid(steps);
  grid.push_back(0.0);
  return grid;
}

torch::Tensor run_ancestral_loop(const std::string& sampler_name, const AncestralLoopOptions& options,
                                 const LikelihoodGuidance& guidance, const PosteriorProblem& problem,
                                 const Denoiser& prior, int64_t count, SeededRandom& random,
                                 const StepCallback& on_step) {
  torch::NoGradGuard no_grad;
  const auto sigmas = ancestral_sigma_grid(options.steps);
  const auto steps = options.steps;
  std::unique_ptr<DataProjection> projection;
  if (options.projection) projection = std::make_unique<DataProjection>(problem, *options.projection);
  const auto& measurement = problem.problem().measurement();
  const auto data = make_data_term(problem);

  auto vp_scale = [](double sigma) { return 1.0 / std::sqrt(1.0 + sigma * sigma); };  // sqrt(alpha_bar)
  // x_T ~ N(0, I) in VP coordinates, i.e. N(0, 1 / alpha_bar_T) in EDM coordinates.
  auto zeros = problem.prior_zeros(count);
  auto x = random.normal_like(zeros) / vp_scale(sigmas.front());
  for (int64_t i = 0; i < steps; ++i) {
    const double sigma = sigmas[i], next = sigmas[i + 1];
    auto estimate = guidance.estimate(problem, *data, prior, x, sigma);
    require_finite(estimate.gradient, sampler_name, i + 1, steps, sigma, "guidance gradient");
    const double r = next * next / (sigma * sigma);
    auto x_next = r * x + (1 - r) * estimate.denoised;
    if (next > 0) x_next = x_next + next * std::sqrt(1 - r) * random.normal_like(x);
    if (options.step_rule == GuidanceStepRule::Tweedie) {
      x_next = x_next + (sigma * sigma - next * next) * estimate.gradient;
    } else {
      // zeta grad_{x_t} ||r|| = -zeta v g / ||r|| / sqrt(alpha_bar_t), then divided by sqrt(alpha_bar_t-1).
      auto norm = estimate.residual_norm.clamp_min(1e-12).reshape({count, 1, 1, 1});
      const double to_edm = 1.0 / (vp_scale(sigma) * (next > 0 ? vp_scale(next) : 1.0));
      x_next = x_next + (options.zeta * estimate.variance * to_edm) * estimate.gradient / norm;
    }
    if (projection) {
      const double fraction = steps > 1 ? static_cast<double>(i) / (steps - 1) : 1.0;
      const double lambda = options.lambda_start + fraction * (options.lambda_end - options.lambda_start);
      auto target = measurement.unsqueeze(0);
      if (next > 0) {
        auto noise = random.normal_like(x);
        target = target + problem.problem().op().forward(problem.from_prior(noise)) * next;
      }
      x_next = projection->apply(problem, x_next, target, lambda);
    }
    x = x_next;
    require_finite(x, sampler_name, i + 1, steps, sigma);
    if (on_step) {
      on_step({i + 1, steps, sigma, estimate.residual_norm.mean().item<double>(), i + 1});
    }
  }
  return x;
}

}  // namespace diffrecon
