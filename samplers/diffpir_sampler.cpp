#include "samplers/diffpir_sampler.h"

#include "core/error.h"
#include "priors/noise_schedule.h"
#include "samplers/parameter_text.h"
#include "samplers/soft_phase.h"
#include "solvers/conjugate_gradient.h"

#include <cmath>

namespace diffrecon {

torch::Tensor diffpir_data_step(const PosteriorProblem& problem, const torch::Tensor& x0_hat, double rho,
                                int64_t cg_iterations, const PhasePenalty& phase) {
  const auto& y = problem.problem().measurement();
  // A^H y once, broadcast over the chains.
  const auto rhs = problem.adjoint_to_prior(y.unsqueeze(0)) + rho * x0_hat;
  auto apply = [&](const torch::Tensor& x) {
    auto result = problem.normal_in_prior(x) + rho * x;
    if (phase.weight > 0) result = result + phase.weight * off_phase_normal(x, phase.phase);
    return result;
  };
  ConjugateGradientOptions options;
  options.max_iterations = static_cast<int>(cg_iterations);
  options.tolerance = 1e-6;
  options.initial = x0_hat;
  return conjugate_gradient(apply, rhs, 3, options).x;
}

DiffPirSampler::DiffPirSampler(DenoiserPtr prior, DiffPirOptions options, std::string name)
    : DenoiserSampler(std::move(prior)), options_(options), name_(std::move(name)) {
  const auto who = name_ == "dds" ? std::string("DDS") : std::string("DiffPIR");
  if (options_.steps < 1) throw InputError(who + ": steps must be at least 1");
  if (!(options_.sigma_max > options_.sigma_min && options_.sigma_min > 0))
    throw InputError(who + ": need sigma_max > sigma_min > 0");
  if (!(options_.lambda >= 0)) throw InputError(who + ": lambda must not be negative");
  if (!(options_.zeta >= 0 && options_.zeta <= 1)) throw InputError(who + ": zeta must lie in [0, 1]");
  if (options_.cg_iterations < 1) throw InputError(who + ": CG iterations must be at least 1");
  if (!(options_.tau >= 0)) throw InputError(who + ": tau must not be negative");
  if (options_.prior_std && !(*options_.prior_std > 0))
    throw InputError(who + ": the oracle prior standard deviation must be positive");
  if (!(options_.phase_std >= 0) || !(options_.phase_smoothing > 0))
    throw InputError(who + ": phase_std must not be negative and phase_smoothing must be positive");
}

std::vector<std::pair<std::string, std::string>> DiffPirSampler::parameters() const {
  std::vector<std::pair<std::string, std::string>> p = {{"steps", parameter_text(options_.steps)},         {"sigma_max", parameter_text(options_.sigma_max)},
          {"sigma_min", parameter_text(options_.sigma_min)}, {"lambda", parameter_text(options_.lambda)},
          {"zeta", parameter_text(options_.zeta)},           {"cg_iterations", parameter_text(options_.cg_iterations)},
          {"tau", parameter_text(options_.tau)}};
  if (options_.prior_std) p.emplace_back("prior_std", parameter_text(*options_.prior_std));
  if (options_.phase_std > 0) {
    p.emplace_back("phase_std", parameter_text(options_.phase_std));
    p.emplace_back("phase_smoothing", parameter_text(options_.phase_smoothing));
  }
  return p;
}

torch::Tensor DiffPirSampler::sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                                     const StepCallback& on_step) const {
  torch::NoGradGuard no_grad;
  const double tau = options_.tau > 0 ? options_.tau : problem.problem().noise().sigma;
  // A real unknown (CT) has no phase to encourage: the penalty is for complex images only.
  const bool soft_phase = options_.phase_std > 0 && problem.complex_unknown();
  // rho and the phase weight are ratios to the noise variance: without a noise level they are undefined.
  if (!(tau > 0) && (options_.lambda > 0 || options_.prior_std || soft_phase))
    throw InputError(name() + ": the data step needs the noise level, and the problem has none: set the parameter tau "
                              "or the data's noise sigma");
  auto sigmas = EdmSchedule(options_.sigma_min, options_.sigma_max).sigma_grid(options_.steps);
  sigmas.push_back(0.0);
  const auto steps = options_.steps;
  auto x = random.normal_like(problem.prior_zeros(count)) * sigmas.front();
  PhasePenalty phase;  // none in the first step: there is no data-consistent estimate yet
  for (int64_t k = 0; k < steps; ++k) {
    const double sigma = sigmas[static_cast<size_t>(k)], next = sigmas[static_cast<size_t>(k) + 1];
    const auto x0_hat = prior().denoise(x, sigma);
    require_finite(x0_hat, name(), k + 1, steps, sigma, "Tweedie estimate x0_hat");
    const double v = problem.component_variance(tau);
    double rho = options_.lambda * v / (sigma * sigma);
    if (options_.prior_std) {
      const double s2 = *options_.prior_std * *options_.prior_std;
      rho = v * (s2 + sigma * sigma) / (sigma * sigma * s2);
    }
    const auto x0_y = diffpir_data_step(problem, x0_hat, rho, options_.cg_iterations, phase);
    if (soft_phase)
      phase = {smooth_phase_of(x0_y, options_.phase_smoothing), v / (options_.phase_std * options_.phase_std)};
    require_finite(x0_y, name(), k + 1, steps, sigma, "data-consistent estimate");
    if (next > 0) {
      const auto eps_hat = (x - x0_y) / sigma;
      x = x0_y + next * (std::sqrt(1 - options_.zeta) * eps_hat + std::sqrt(options_.zeta) * random.normal_like(x));
    } else {
      x = x0_y;
    }
    if (on_step) on_step({k + 1, steps, sigma, problem.residual_norm(x0_hat).mean().item<double>(), k + 1});
  }
  return x;
}

}  // namespace diffrecon
