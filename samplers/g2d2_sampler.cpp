#include "samplers/g2d2_sampler.h"

#include "core/error.h"
#include "samplers/data_term.h"
#include "samplers/diffpir_sampler.h"
#include "samplers/parameter_text.h"
#include "samplers/token_logit_optimiser.h"

#include <cmath>
#include <cstdio>

namespace diffrecon {

std::vector<int64_t> g2d2_levels(int64_t process_steps, int64_t steps) {
  if (steps < 2 || steps > process_steps)
    throw InputError("G2D2: steps must lie in 2.." + std::to_string(process_steps) + " (the prior's process), got " +
                     std::to_string(steps));
  std::vector<int64_t> levels;
  for (int64_t n = 0; n < steps; ++n)
    levels.push_back(std::llround(double(process_steps - 1) * double(steps - 1 - n) / double(steps - 1)));
  return levels;  // distinct: the spacing (T-1)/(N-1) is at least 1
}

double g2d2_schedule(double base, double width, int64_t n, int64_t count) {
  const double f = count > 1 ? double(n) / double(count - 1) : 0.0;
  return base * std::pow(10.0, width * (0.5 - f));
}

torch::Tensor truncate_logits(const torch::Tensor& logits, double rate) {
  const auto [sorted, order] = torch::sort(logits, -2, /*descending=*/true);
  const auto cumulative = sorted.exp().cumsum(-2);
  // Keep a class while the mass before it is below `rate`: the top class always, and the one that
  // crosses the rate.
  const auto before = cumulative - sorted.exp();
  const auto keep_sorted = before < rate;
  const auto keep = torch::zeros_like(keep_sorted).scatter(-2, order, keep_sorted);
  const auto kept = logits.masked_fill(keep.logical_not(), -INFINITY);
  return kept - torch::logsumexp(kept, -2, true);
}

namespace {

// One draw per token from categorical logits [B, K', L] (Gumbel-max), [B, L].
torch::Tensor draw_tokens(const torch::Tensor& logits, SeededRandom& random) {
  const auto uniform =
      random.uniform(logits.sizes().vec(), torch::TensorOptions().dtype(torch::kFloat64)).clamp(1e-30, 1.0 - 1e-16);
  return (logits.to(torch::kFloat64) - torch::log(-torch::log(uniform))).argmax(-2);
}

void require_finite_at(const torch::Tensor& x, int64_t step, int64_t steps, int64_t t, const char* what) {
  if (torch::isfinite(x).all().item<bool>()) return;
  char message[256];
  std::snprintf(message, sizeof message,
                "g2d2: non-finite values (NaN or Inf) in the %s at step %lld of %lld (time %lld); stopping instead of "
                "returning a corrupted image. Lower lr or check the measurement scale.",
                what, static_cast<long long>(step), static_cast<long long>(steps), static_cast<long long>(t));
  throw SamplerError(message);
}

}  // namespace

G2d2Sampler::G2d2Sampler(TokenPriorPtr prior, G2d2Options options) : prior_(std::move(prior)), options_(options) {
  if (!prior_) throw InputError("G2D2: no prior (a null token prior) was given");
  g2d2_levels(prior_->process().steps(), options_.steps);
  if (options_.iterations < 1) throw InputError("G2D2: iterations must be at least 1");
  if (!(options_.lr > 0)) throw InputError("G2D2: lr must be positive");
  if (!(options_.kl_weight >= 0)) throw InputError("G2D2: kl_weight must not be negative");
  if (!(options_.forget >= 0 && options_.forget <= 1)) throw InputError("G2D2: forget must lie in [0, 1]");
  if (!(options_.temperature > 0)) throw InputError("G2D2: temperature must be positive");
  if (!(options_.truncation > 0 && options_.truncation <= 1)) throw InputError("G2D2: truncation must lie in (0, 1]");
  if (!(options_.tau >= 0)) throw InputError("G2D2: tau must not be negative");
  if (options_.refine < 0) throw InputError("G2D2: refine (CG iterations) must not be negative");
  if (!std::isfinite(options_.lr_width) || !std::isfinite(options_.kl_width))
    throw InputError("G2D2: lr_width and kl_width must be finite");
}

std::vector<std::pair<std::string, std::string>> G2d2Sampler::parameters() const {
  return {{"steps", parameter_text(options_.steps)},
          {"iterations", parameter_text(options_.iterations)},
          {"lr", parameter_text(options_.lr)},
          {"lr_width", parameter_text(options_.lr_width)},
          {"kl_weight", parameter_text(options_.kl_weight)},
          {"kl_width", parameter_text(options_.kl_width)},
          {"forget", parameter_text(options_.forget)},
          {"temperature", parameter_text(options_.temperature)},
          {"step", options_.step == G2d2Step::Star ? "star" : "markov"},
          {"truncation", parameter_text(options_.truncation)},
          {"likelihood", options_.likelihood == G2d2Likelihood::Norm ? "norm" : "gaussian"},
          {"tau", parameter_text(options_.tau)},
          {"refine", std::to_string(options_.refine)}};
}

torch::Tensor G2d2Sampler::sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                                  const StepCallback& on_step) const {
  const auto& shape = problem.image_shape();
  const auto grid = prior_->token_grid(shape[1], shape[2]);
  const auto& process = prior_->process();
  const int64_t L = grid.tokens(), K = process.classes();
  const auto levels = g2d2_levels(process.steps(), options_.steps);
  const auto steps = static_cast<int64_t>(levels.size());
  const auto working = problem.prior_zeros(1).options();
  const auto data_term = make_data_term(problem);
  const bool gaussian = options_.likelihood == G2d2Likelihood::Gaussian;
  const double tau = options_.tau > 0 ? options_.tau : problem.problem().noise().sigma;
  if (gaussian && !(tau > 0))
    throw InputError("g2d2: the Gaussian likelihood needs the noise level, and the problem has none: set the parameter "
                     "tau or the data's noise sigma");
  const double variance = gaussian ? problem.component_variance(tau) : 1.0;
  // The progress report's residual is that of the optimiser's last relaxed sample: decoding the
  // optimised logits once more per level would cost a decoder pass for a progress line.
  torch::Tensor last_residual_norms;
  const TokenDataTerm data = [&](const torch::Tensor& soft) {
    decoder_counter_->record(soft.size(0));
    const auto residual = data_term->residual(prior_->decode(soft, grid));
    const auto norms = data_term->residual_norm(residual);
    last_residual_norms = norms.detach();
    return gaussian ? data_term->misfit(residual) / variance : norms.sum();
  };

  auto tokens = torch::full({count, L}, process.mask(), torch::kLong);  // z_{T-1}: all masked
  torch::Tensor previous;
  for (int64_t n = 0; n < steps; ++n) {
    const int64_t t = levels[size_t(n)], next = n + 1 < steps ? levels[size_t(n) + 1] : -1;
    const double masked = (tokens == process.mask()).to(torch::kFloat64).mean().item<double>();
    torch::Tensor prior_logits;
    {
      torch::NoGradGuard no_grad;
      prior_logits = prior_->log_denoise(tokens, t, grid).to(working).clamp_min(-70.0);
      denoiser_counter_->record(count);
      prior_logits = prior_logits - torch::logsumexp(prior_logits, -2, true);
    }
    require_finite_at(prior_logits, n + 1, steps, t, "token denoiser's logits");
    auto start = previous.defined() ? options_.forget * prior_logits + (1 - options_.forget) * previous : prior_logits;
    TokenLogitOptions step_options;
    step_options.iterations = static_cast<int>(options_.iterations);
    step_options.lr = g2d2_schedule(options_.lr, options_.lr_width, n, steps);
    step_options.kl_weight = g2d2_schedule(options_.kl_weight, options_.kl_width, n, steps);
    step_options.temperature = options_.temperature;
    const auto logits = optimise_token_logits(start, prior_logits, data, step_options, random);
    require_finite_at(logits, n + 1, steps, t, "optimised token logits");
    previous = logits;

    torch::NoGradGuard no_grad;
    if (next < 0) {
      tokens = draw_tokens(logits, random);
    } else if (options_.step == G2d2Step::Star) {
      tokens = draw_tokens(truncate_logits(logits, options_.truncation), random);
      // Exactly star_mask_count positions, uniformly placed: those with the smallest scores.
      const int64_t mask_count = process.star_mask_count(L, next);
      const auto scores = random.uniform({count, L}, torch::TensorOptions().dtype(torch::kFloat64));
      if (mask_count > 0) {
        const auto positions = std::get<1>(scores.topk(mask_count, -1, /*largest=*/false));
        tokens.scatter_(-1, positions, process.mask());
      }
    } else {
      tokens = draw_tokens(process.log_posterior(logits.to(torch::kFloat64), tokens, t, next), random);
    }
    if (on_step) {
      SamplerStep report;
      report.step = n + 1;
      report.steps = steps;
      report.nfe = n + 1;
      report.timestep = t;
      report.masked = masked;
      report.residual_norm = last_residual_norms.mean().item<double>();
      on_step(report);
    }
  }
  torch::NoGradGuard no_grad;
  const auto one_hot = torch::one_hot(tokens, K).movedim(-1, -2).to(working);
  auto x = prior_->decode(one_hot, grid);
  require_finite_at(x, steps, steps, 0, "decoded image");
  if (options_.refine > 0) {
    x = diffpir_data_step(problem, x, 0.0, options_.refine);
    require_finite_at(x, steps, steps, 0, "data-consistency refinement");
  }
  return x;
}

}  // namespace diffrecon
