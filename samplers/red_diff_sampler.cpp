#include "samplers/red_diff_sampler.h"

#include "core/error.h"
#include "priors/noise_schedule.h"
#include "samplers/adam.h"
#include "samplers/data_term.h"
#include "solvers/conjugate_gradient.h"
#include "samplers/parameter_text.h"

#include <cmath>

namespace diffrecon {

RedDiffWeighting parse_red_diff_weighting(const std::string& name) {
  if (name == "linear") return RedDiffWeighting::Linear;
  if (name == "sqrt") return RedDiffWeighting::Sqrt;
  if (name == "constant") return RedDiffWeighting::Constant;
  throw InputError("RED-diff weighting: expected linear, sqrt or constant, got '" + name + "'");
}

std::string to_string(RedDiffWeighting weighting) {
  switch (weighting) {
    case RedDiffWeighting::Linear: return "linear";
    case RedDiffWeighting::Sqrt: return "sqrt";
    case RedDiffWeighting::Constant: return "constant";
  }
  return "?";
}

std::vector<double> red_diff_sigmas(int64_t steps) {
  VpDiscreteSchedule schedule;
  const auto timesteps = schedule.timesteps();
  if (steps < 1 || steps > timesteps)
    throw InputError("RED-diff: steps must be in [1, " + std::to_string(timesteps) + "], got " + std::to_string(steps));
  std::vector<double> sigmas;
  for (double t : schedule.strided_time_grid(steps)) sigmas.push_back(schedule.sigma(t));
  return sigmas;
}

double red_diff_weight(const RedDiffOptions& options, double sigma) {
  switch (options.weighting) {
    case RedDiffWeighting::Linear: return options.lambda * sigma;
    case RedDiffWeighting::Sqrt: return options.lambda * std::sqrt(sigma);
    case RedDiffWeighting::Constant: return options.lambda;
  }
  return options.lambda;
}

RedDiffSampler::RedDiffSampler(DenoiserPtr prior, RedDiffOptions options)
    : DenoiserSampler(std::move(prior)), options_(options) {
  red_diff_sigmas(options_.steps);
  if (!(options_.lambda >= 0)) throw InputError("RED-diff: lambda must not be negative");
  if (!(options_.lr > 0)) throw InputError("RED-diff: lr must be positive");
  if (!(options_.obs_weight >= 0)) throw InputError("RED-diff: obs_weight must not be negative");
  if (options_.passes < 1) throw InputError("RED-diff: passes must be at least 1");
  if (options_.initial_cg_iterations < 0) throw InputError("RED-diff: CG iterations must not be negative");
}

std::vector<std::pair<std::string, std::string>> RedDiffSampler::parameters() const {
  return {{"steps", parameter_text(options_.steps)},
          {"lambda", parameter_text(options_.lambda)},
          {"lr", parameter_text(options_.lr)},
          {"obs_weight", parameter_text(options_.obs_weight)},
          {"weighting", to_string(options_.weighting)},
          {"betas", parameter_text(options_.beta1) + "," + parameter_text(options_.beta2)},
          {"passes", parameter_text(options_.passes)},
          {"initial_cg_iterations", parameter_text(options_.initial_cg_iterations)}};
}

torch::Tensor RedDiffSampler::sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                                     const StepCallback& on_step) const {
  torch::NoGradGuard no_grad;
  const auto& prior = this->prior();
  const auto data = make_data_term(problem);
  auto mu = problem.prior_zeros(count);
  if (options_.initial_cg_iterations > 0) {
    ConjugateGradientOptions cg;
    cg.max_iterations = static_cast<int>(options_.initial_cg_iterations);
    auto least_squares = solve_least_squares(problem.problem().op(), problem.problem().measurement(), 0.0, cg).x;
    mu = mu + problem.to_prior(least_squares.unsqueeze(0)).to(mu.scalar_type());
  }
  const auto sigmas = red_diff_sigmas(options_.steps);
  const double n_x = static_cast<double>(problem.unknown_count());
  const double n_y = static_cast<double>(problem.measurement_count());
  Adam adam({options_.lr, options_.beta1, options_.beta2});
  const auto steps = options_.steps * options_.passes;
  int64_t step = 0;
  for (int64_t pass = 0; pass < options_.passes; ++pass) {
    for (double sigma : sigmas) {
      ++step;
      auto eps = random.normal_like(mu);
      auto x = mu + sigma * eps;
      auto eps_hat = (x - prior.denoise(x, sigma)) / sigma;
      auto gradient = data->misfit_gradient(mu) * (options_.obs_weight / n_y) +
                      (eps_hat - eps) * (red_diff_weight(options_, sigma) / n_x);
      mu = adam.step(mu, gradient);  // per element, so chains stay independent
      require_finite(mu, name(), step, steps, sigma);
      if (on_step) on_step({step, steps, sigma, data->residual_norm(data->residual(mu)).mean().item<double>(), step});
    }
  }
  return mu;
}

}  // namespace diffrecon
