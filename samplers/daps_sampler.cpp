#include "samplers/daps_sampler.h"

#include "core/error.h"
#include "priors/noise_schedule.h"
#include "solvers/conjugate_gradient.h"
#include "samplers/parameter_text.h"

#include <cmath>

namespace diffrecon {

std::vector<double> daps_sigma_grid(const DapsOptions& options) {
  // sigma_k for k = 0..N_A on the poly-7 grid with N_A + 1 points, the last (sigma_min) replaced by 0
  // (the official EDMScheduler's discretize).
  auto grid = EdmSchedule(options.sigma_min, options.sigma_max).sigma_grid(options.annealing_steps + 1);
  grid.back() = 0.0;
  return grid;
}

torch::Tensor daps_langevin(const PosteriorProblem& problem, const DataTerm& data, torch::Tensor x,
                            const torch::Tensor& x0_hat, double r, double eta, int64_t steps, double tau,
                            SeededRandom& random) {
  const double v = problem.component_variance(tau);
  const double noise = std::sqrt(2 * eta);
  for (int64_t j = 0; j < steps; ++j) {
    auto likelihood_score = data.misfit_gradient(x) * (-1.0 / v);  // grad log p(y | x) = -grad f / v
    auto score = likelihood_score + (x0_hat - x) / (r * r);
    x = x + eta * score + noise * random.normal_like(x);
  }
  return x;
}

torch::Tensor daps_perturb_and_map(const PosteriorProblem& problem, const torch::Tensor& x0_hat, double r, double tau,
                                   int64_t iterations, SeededRandom& random) {
  const double v = problem.component_variance(tau);
  const double weight = r * r / v;  // the system times r^2: (I + weight A^H A) x = x~ + weight A^H y~
  const auto& y = problem.problem().measurement();
  auto perturbed_prior = x0_hat + r * random.normal_like(x0_hat);
  // tau per measurement sample in the problem's convention: complex draws have E|z|^2 = 1.
  std::vector<int64_t> shape{x0_hat.size(0)};
  shape.insert(shape.end(), y.sizes().begin(), y.sizes().end());
  auto perturbed_data = y.unsqueeze(0) + tau * random.normal(shape, y.options());
  auto rhs = perturbed_prior + weight * problem.adjoint_to_prior(perturbed_data);
  auto apply = [&](const torch::Tensor& x) {
    return x + weight * problem.normal_in_prior(x);
  };
  ConjugateGradientOptions options;
  options.max_iterations = static_cast<int>(iterations);
  options.tolerance = 1e-6;
  options.initial = x0_hat;
  return conjugate_gradient(apply, rhs, 3, options).x;
}

DapsSampler::DapsSampler(DenoiserPtr prior, DapsOptions options) : DenoiserSampler(std::move(prior)), options_(options) {
  if (options_.annealing_steps < 1) throw InputError("DAPS: annealing steps must be at least 1");
  if (!(options_.sigma_max > options_.sigma_min && options_.sigma_min > 0))
    throw InputError("DAPS: need sigma_max > sigma_min > 0");
  if (options_.ode_steps < 1) throw InputError("DAPS: ODE steps must be at least 1");
  if (!(options_.ode_sigma_min > 0 && options_.ode_sigma_min < options_.sigma_min))
    throw InputError("DAPS: the ODE's end level must lie in (0, sigma_min)");
  if (options_.langevin_steps < 0) throw InputError("DAPS: Langevin steps must not be negative");
  if (!(options_.lr > 0) || !(options_.lr_min_ratio > 0))
    throw InputError("DAPS: lr and lr_min_ratio must be positive");
  if (!(options_.tau >= 0)) throw InputError("DAPS: tau must not be negative");
  if (options_.cg_iterations < 1) throw InputError("DAPS: CG iterations must be at least 1");
  if (options_.prior_std && !(*options_.prior_std > 0))
    throw InputError("DAPS: the oracle prior standard deviation must be positive");
}

std::vector<std::pair<std::string, std::string>> DapsSampler::parameters() const {
  std::vector<std::pair<std::string, std::string>> p = {
      {"annealing_steps", parameter_text(options_.annealing_steps)},
      {"sigma_max", parameter_text(options_.sigma_max)},
      {"sigma_min", parameter_text(options_.sigma_min)},
      {"ode_steps", parameter_text(options_.ode_steps)},
      {"ode_sigma_min", parameter_text(options_.ode_sigma_min)},
      {"langevin_steps", parameter_text(options_.langevin_steps)},
      {"lr", parameter_text(options_.lr)},
      {"lr_min_ratio", parameter_text(options_.lr_min_ratio)},
      {"tau", parameter_text(options_.tau)},
      {"estimate", options_.estimate == DapsEstimate::Tweedie ? "tweedie" : "ode-endpoint"},
      {"inner", options_.inner == DapsInnerSampler::Langevin ? "langevin" : "perturb-and-map-cg"}};
  if (options_.inner == DapsInnerSampler::ConjugateGradient) p.emplace_back("cg_iterations", parameter_text(options_.cg_iterations));
  if (options_.prior_std) p.emplace_back("prior_std", parameter_text(*options_.prior_std));
  return p;
}

int64_t DapsSampler::evaluations_per_chain() const {
  return options_.annealing_steps * (options_.estimate == DapsEstimate::Tweedie ? 1 : options_.ode_steps);
}

torch::Tensor DapsSampler::sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                                  const StepCallback& on_step) const {
  torch::NoGradGuard no_grad;
  const auto& prior = this->prior();
  const auto data = make_data_term(problem);
  const auto sigmas = daps_sigma_grid(options_);
  const auto steps = options_.annealing_steps;
  const double tau = options_.tau > 0 ? options_.tau : problem.problem().noise().sigma;
  if (!(tau > 0)) throw InputError("DAPS: tau is 0 and the problem has no noise sigma to use instead");
  auto x = random.normal_like(problem.prior_zeros(count)) * sigmas.front();
  int64_t nfe = 0;
  for (int64_t k = 0; k < steps; ++k) {
    const double sigma = sigmas[k];
    torch::Tensor x0_hat;
    if (options_.estimate == DapsEstimate::Tweedie) {
      x0_hat = prior.denoise(x, sigma);
      ++nfe;
    } else {
      const auto ode = EdmSchedule(options_.ode_sigma_min, sigma).sigma_grid(options_.ode_steps + 1);
      x0_hat = x;
      for (int64_t j = 0; j < options_.ode_steps; ++j) {
        auto d = prior.denoise(x0_hat, ode[j]);
        x0_hat = x0_hat + (ode[j + 1] - ode[j]) * (x0_hat - d) / ode[j];
        ++nfe;
      }
    }
    require_finite(x0_hat, name(), k + 1, steps, sigma, "ODE estimate x0_hat");
    const double r = options_.prior_std
                         ? sigma * *options_.prior_std / std::sqrt(sigma * sigma + *options_.prior_std * *options_.prior_std)
                         : sigma;
    const double eta = options_.lr * (1 + (static_cast<double>(k) / steps) * (options_.lr_min_ratio - 1));
    auto x0y = options_.inner == DapsInnerSampler::Langevin
                   ? daps_langevin(problem, *data, x0_hat, x0_hat, r, eta, options_.langevin_steps, tau, random)
                   : daps_perturb_and_map(problem, x0_hat, r, tau, options_.cg_iterations, random);
    require_finite(x0y, name(), k + 1, steps, sigma, "Langevin state");
    x = sigmas[k + 1] > 0 ? x0y + sigmas[k + 1] * random.normal_like(x0y) : x0y;
    if (on_step) on_step({k + 1, steps, sigma, data->residual_norm(data->residual(x0_hat)).mean().item<double>(), nfe});
  }
  return x;
}

}  // namespace diffrecon
