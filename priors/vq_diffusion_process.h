// The VQ-Diffusion mask-and-replace process over K token classes plus [MASK] (class K), T steps,
// exactly as microsoft/VQ-Diffusion codes it (docs/priors.md, "Discrete prior"; the notes in
// ../shared/reference/g2d2.md section 1): the discrete prior G2D2 samples with.
//
//   cumulative  ā_i = att_1 + i/(T-1) (att_T - att_1),  c̄_i = ctt_1 + i/(T-1) (ctt_T - ctt_1)  (i = 0..T-1)
//   per step    a_i = ā_i / ā_{i-1},  c_i = 1 - (1 - c̄_i) / (1 - c̄_{i-1}),  b_i = (1 - a_i - c_i) / K
//               b̄_i = (1 - ā_i - c̄_i) / K;   index -1 is the identity (ā = 1, b̄ = c̄ = 0)
//   Q_t[i, j] = q(x_t = i | x_{t-1} = j): a_t + b_t on the diagonal, b_t off it, c_t into [MASK];
//               [MASK] stays [MASK]. Q̄_t = Q_t ... Q_0 has the same form with (ā_t, b̄_t, c̄_t).
//
// Code time t in 0..T-1 means "after t + 1 forward transitions". The defaults are the released
// ones; with them ā_t + c̄_t = 0.999999 for every t, so K b̄_t = 1e-6: the process is almost purely
// absorbing. Token tensors are [..., L] (int64); class distributions [..., K+1, L] (log).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace diffrecon {

struct VqDiffusionSchedule {
  double att_1 = 0.99999, att_T = 9e-6, ctt_1 = 9e-6, ctt_T = 0.99999;
};

class VqDiffusionProcess {
 public:
  // Throws InputError unless classes >= 2, steps >= 2 and the schedule gives probabilities.
  explicit VqDiffusionProcess(int64_t classes, int64_t steps = 100, VqDiffusionSchedule schedule = {});

  int64_t classes() const { return classes_; }  // K (the mask is class K)
  int64_t steps() const { return steps_; }      // T
  int64_t mask() const { return classes_; }

  // Per-step and cumulative coefficients, t in -1..T-1 (-1: the identity).
  double a(int64_t t) const { return at(a_, t, 1.0); }
  double b(int64_t t) const { return at(b_, t, 0.0); }
  double c(int64_t t) const { return at(c_, t, 0.0); }
  double cumulative_a(int64_t t) const { return at(cumulative_a_, t, 1.0); }
  double cumulative_b(int64_t t) const { return at(cumulative_b_, t, 0.0); }
  double cumulative_c(int64_t t) const { return at(cumulative_c_, t, 0.0); }

  // Q_t and Q̄_t as (K+1) x (K+1) float64 matrices (columns: from; rows: to), for tests and small K.
  torch::Tensor transition(int64_t t) const;
  torch::Tensor cumulative_transition(int64_t t) const;

  // log q(x_t | x_0) for log x_0 [..., K+1, L] (one-hot or soft, normalised): VQ-Diffusion's q_pred.
  torch::Tensor log_marginal(const torch::Tensor& log_x0, int64_t t) const;
  // x_t ~ q(x_t | x_0) for tokens x_0 [..., L], drawn with `generator` (Gumbel-max on log_marginal).
  torch::Tensor sample_marginal(const torch::Tensor& x0, int64_t t, at::Generator generator) const;

  // log p(x_{t-1} | x_t) = log sum_{x0} q(x_{t-1} | x_t, x_0) p̂0(x_0) for a prediction log p̂0
  // [..., K, L] over the token classes and the current tokens x_t [..., L], t in 1..T-1:
  //   p(x_{t-1} = j | x_t) = Q_t[x_t, j] sum_k Q̄_{t-1}[j, k] p̂0[k] / Q̄_t[x_t, k],
  // normalised exactly. [..., K+1, L]. A one-hot p̂0 gives the true posterior q(x_{t-1} | x_t, x_0).
  // With `s` (0 <= s < t) the step goes from t to s, for a grid coarser than the process: the same
  // formula with Q_{t|s} = Q_t ... Q_{s+1}, itself of the mask-and-replace form with
  // a_{t|s} = ā_t / ā_s, 1 - c_{t|s} = (1 - c̄_t) / (1 - c̄_s) and b_{t|s} from the column sum.
  torch::Tensor log_posterior(const torch::Tensor& log_p0, const torch::Tensor& x_t, int64_t t) const {
    return log_posterior(log_p0, x_t, t, t - 1);
  }
  torch::Tensor log_posterior(const torch::Tensor& log_p0, const torch::Tensor& x_t, int64_t t, int64_t s) const;

  // G2D2's star-shaped re-masking: the tokens masked at the next visited level `next` (-1: none),
  // floor(L (c̄_next - b̄_next)), the expected masked count of q(x_next | x_0) (exact, not Binomial).
  int64_t star_mask_count(int64_t tokens, int64_t next) const;

 private:
  double at(const std::vector<double>& values, int64_t t, double identity) const;

  int64_t classes_, steps_;
  std::vector<double> a_, b_, c_, cumulative_a_, cumulative_b_, cumulative_c_;
};

}  // namespace diffrecon
