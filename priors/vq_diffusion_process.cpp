#include "priors/vq_diffusion_process.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace diffrecon {

VqDiffusionProcess::VqDiffusionProcess(int64_t classes, int64_t steps, VqDiffusionSchedule s)
    : classes_(classes), steps_(steps) {
  if (classes < 2) throw InputError("VQ diffusion: expected at least 2 token classes, got " + std::to_string(classes));
  if (steps < 2) throw InputError("VQ diffusion: expected at least 2 steps, got " + std::to_string(steps));
  const double K = double(classes);
  // Computed in float64, as the official code does before storing the logs (g2d2.md section 1.1).
  double previous_a = 1.0, previous_c = 0.0;
  for (int64_t i = 0; i < steps; ++i) {
    const double f = double(i) / double(steps - 1);
    const double cumulative_a = s.att_1 + f * (s.att_T - s.att_1);
    const double cumulative_c = s.ctt_1 + f * (s.ctt_T - s.ctt_1);
    const double a = cumulative_a / previous_a;
    const double c = 1.0 - (1.0 - cumulative_c) / (1.0 - previous_c);
    const double b = (1.0 - a - c) / K, cumulative_b = (1.0 - cumulative_a - cumulative_c) / K;
    if (!(cumulative_a > 0 && cumulative_c >= 0 && cumulative_b >= 0 && a > 0 && c >= 0 && b >= 0 && a + c <= 1.0))
      throw InputError("VQ diffusion schedule gives no probabilities at step " + std::to_string(i));
    a_.push_back(a), b_.push_back(b), c_.push_back(c);
    cumulative_a_.push_back(cumulative_a), cumulative_b_.push_back(cumulative_b), cumulative_c_.push_back(cumulative_c);
    previous_a = cumulative_a, previous_c = cumulative_c;
  }
}

double VqDiffusionProcess::at(const std::vector<double>& values, int64_t t, double identity) const {
  if (t == -1) return identity;
  if (t < -1 || t >= steps_)
    throw InternalError("VQ diffusion: time " + std::to_string(t) + " outside -1.." + std::to_string(steps_ - 1));
  return values[size_t(t)];
}

namespace {

torch::Tensor matrix_of(int64_t classes, double keep, double replace, double mask) {
  auto q = torch::full({classes + 1, classes + 1}, replace, torch::kFloat64);
  q.index_put_({classes}, mask);                     // row [MASK]: masked from any token
  q.diagonal().fill_(keep + replace);
  q.index_put_({torch::indexing::Slice(), classes}, 0.0);
  q.index_put_({classes, classes}, 1.0);             // [MASK] stays
  return q;
}

// log(exp(x) + exp(y)) where either may be -inf.
torch::Tensor log_add(const torch::Tensor& x, const torch::Tensor& y) { return torch::logaddexp(x, y); }

}  // namespace

torch::Tensor VqDiffusionProcess::transition(int64_t t) const { return matrix_of(classes_, a(t), b(t), c(t)); }
torch::Tensor VqDiffusionProcess::cumulative_transition(int64_t t) const {
  return matrix_of(classes_, cumulative_a(t), cumulative_b(t), cumulative_c(t));
}

torch::Tensor VqDiffusionProcess::log_marginal(const torch::Tensor& log_x0, int64_t t) const {
  const int64_t K = classes_;
  const auto tokens = log_x0.narrow(-2, 0, K), masked = log_x0.narrow(-2, K, 1);
  const auto full = [&](double v) { return torch::full_like(masked, v); };
  const double bar_b = cumulative_b(t), bar_c = cumulative_c(t);
  // Q̄_t x_0 exactly: the replacement mass b̄ comes from x_0's token mass (VQ-Diffusion's q_pred adds
  // b̄ unweighted, the same for the x_0 it is given, which carry no mask mass).
  const auto token_mass = torch::logsumexp(tokens, -2, true);
  auto rows = log_add(tokens + std::log(cumulative_a(t)), (token_mass + (bar_b > 0 ? std::log(bar_b) : -INFINITY)).expand_as(tokens));
  auto mask_row = log_add(masked + std::log1p(-bar_c), full(bar_c > 0 ? std::log(bar_c) : -INFINITY));
  return torch::cat({rows, mask_row}, -2);
}

torch::Tensor VqDiffusionProcess::sample_marginal(const torch::Tensor& x0, int64_t t, at::Generator generator) const {
  auto log_x0 = torch::one_hot(x0, classes_ + 1).movedim(-1, -2).to(torch::kFloat64).log();
  auto logits = log_marginal(log_x0, t);
  auto uniform = torch::rand(logits.sizes(), generator, torch::TensorOptions().dtype(torch::kFloat64));
  auto gumbel = -torch::log(-torch::log(uniform.clamp(1e-30, 1.0)));
  return (logits + gumbel).argmax(-2);
}

torch::Tensor VqDiffusionProcess::log_posterior(const torch::Tensor& log_p0, const torch::Tensor& x_t, int64_t t,
                                                int64_t s) const {
  if (t < 1 || t >= steps_ || s < 0 || s >= t)
    throw InternalError("VQ diffusion posterior: from t = " + std::to_string(t) + " to s = " + std::to_string(s) +
                        ", expected 0 <= s < t <= " + std::to_string(steps_ - 1));
  const int64_t K = classes_;
  const auto options = log_p0.options();
  const auto is_masked = (x_t == K).unsqueeze(-2);                                    // [..., 1, L]
  const auto same = torch::one_hot(x_t.clamp_max(K - 1), K).movedim(-1, -2).to(torch::kBool);  // [..., K, L]
  const auto log_of = [&](double v) { return v > 0 ? std::log(v) : -INFINITY; };
  const auto constant = [&](double v) { return torch::full({1}, log_of(v), options); };
  // The transition from s to t (for s = t - 1 the process's own a_t, b_t, c_t up to rounding).
  const bool one_step = s == t - 1;
  const double step_a = one_step ? a(t) : cumulative_a(t) / cumulative_a(s);
  const double step_c = one_step ? c(t) : 1.0 - (1.0 - cumulative_c(t)) / (1.0 - cumulative_c(s));
  const double step_b = one_step ? b(t) : std::max(0.0, (1.0 - step_a - step_c) / double(K));
  // log Q̄_t[x_t, k] for k < K and log Q_{t|s}[x_t, k] for k <= K (g2d2.md section 1.3).
  auto cumulative_row = torch::where(is_masked, constant(cumulative_c(t)),
                                     torch::where(same, constant(cumulative_a(t) + cumulative_b(t)), constant(cumulative_b(t))));
  auto step_tokens = torch::where(is_masked, constant(step_c), torch::where(same, constant(step_a + step_b), constant(step_b)));
  auto step_mask = torch::where(is_masked, torch::zeros({1}, options), torch::full({1}, -INFINITY, options));
  auto r = log_p0 - cumulative_row;                          // [..., K, L]
  const auto z = torch::logsumexp(r, -2, true);
  r = r - z;
  // q_pred(r, s) with r normalised over the K token classes (its mask row -inf).
  const double bar_b = cumulative_b(s);
  auto predicted_tokens = log_add(r + std::log(cumulative_a(s)), torch::full_like(r, log_of(bar_b)));
  auto predicted_mask = torch::full_like(z, log_of(cumulative_c(s)));
  auto tokens = predicted_tokens + step_tokens + z;
  auto masked = predicted_mask + step_mask.expand_as(z) + z;
  return torch::cat({tokens, masked}, -2);
}

int64_t VqDiffusionProcess::star_mask_count(int64_t tokens, int64_t next) const {
  if (next < 0) return 0;
  return static_cast<int64_t>(std::floor(double(tokens) * (cumulative_c(next) - cumulative_b(next))));
}

}  // namespace diffrecon
