#include "samplers/red_diff_sampler.h"

#include "priors/noise_schedule.h"
#include "solvers/conjugate_gradient.h"
#include "samplers/parameter_text.h"

#include <cmath>

namespace diffrecon {

RedDiffWeighting parse_red_diff_weighting(const std::string& name) {
  if (name == "linear") return RedDiffWeighting::Linear;
  if (name == "sqrt") return RedDiffWeighting::Sqrt;
  if (name == "constant") return RedDiffWeighting::Constant;
  throw std::invalid_argument("RED-diff weighting: expected linear, sqrt or constant, got '" + name + "'");
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
    throw std::invalid_argument("RED-diff: steps must be in [1, " + std::to_string(timesteps) + "], got " +
                                std::to_string(steps));
  const auto skip = timesteps / steps;
  std::vector<double> sigmas;
  for (int64_t t = (steps - 1) * skip; t >= 0; t -= skip) sigmas.push_back(schedule.sigma(static_cast<double>(t)));
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

RedDiffSampler::RedDiffSampler(RedDiffOptions options) : options_(options) {
  red_diff_sigmas(options_.steps);
  if (!(options_.lambda >= 0)) throw std::invalid_argument("RED-diff: lambda must not be negative");
  if (!(options_.lr > 0)) throw std::invalid_argument("RED-diff: lr must be positive");
  if (!(options_.obs_weight >= 0)) throw std::invalid_argument("RED-diff: obs_weight must not be negative");
  if (options_.passes < 1) throw std::invalid_argument("RED-diff: passes must be at least 1");
  if (options_.initial_cg_iterations < 0) throw std::invalid_argument("RED-diff: CG iterations must not be negative");
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

torch::Tensor RedDiffSampler::sample(const PosteriorProblem& problem, const Denoiser& prior, int64_t count,
                                     SeededRandom& random, const StepCallback& on_step) const {
  torch::NoGradGuard no_grad;
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
  auto first_moment = torch::zeros_like(mu), second_moment = torch::zeros_like(mu);
  const auto steps = options_.steps * options_.passes;
  int64_t step = 0;
  for (int64_t pass = 0; pass < options_.passes; ++pass) {
    for (double sigma : sigmas) {
      ++step;
      auto eps = random.normal_like(mu);
      auto x = mu + sigma * eps;
      auto eps_hat = (x - prior.denoise(x, sigma)) / sigma;
      auto residual = problem.residual(mu);
      auto gradient = problem.adjoint_to_prior(residual) * (options_.obs_weight / n_y) +
                      (eps_hat - eps) * (red_diff_weight(options_, sigma) / n_x);
      // Adam (Kingma & Ba 2015, Algorithm 1), per element, so chains stay independent.
      first_moment = options_.beta1 * first_moment + (1 - options_.beta1) * gradient;
      second_moment = options_.beta2 * second_moment + (1 - options_.beta2) * gradient.square();
      const double correction1 = 1 - std::pow(options_.beta1, static_cast<double>(step));
      const double correction2 = 1 - std::pow(options_.beta2, static_cast<double>(step));
      mu = mu - options_.lr * (first_moment / correction1) / ((second_moment / correction2).sqrt() + 1e-8);
      require_finite(mu, name(), step, steps, sigma);
      if (on_step) on_step({step, steps, sigma, problem.residual_norm(mu).mean().item<double>(), step});
    }
  }
  return mu;
}

}  // namespace diffrecon
