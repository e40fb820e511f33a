// RED-diff (Mardani et al., ICLR 2024; docs/samplers.md section 5): variational posterior
// q = N(mu, 0) fitted by Adam over descending VP timesteps, one network evaluation per step and no
// gradient through the network. In EDM coordinates (x_t / sqrt(alpha_bar_t) = mu + sigma_t eps):
//   grad = v_obs A^H (A mu - y) / N_y  +  w_t (eps_hat - eps) / N_x,
//   eps_hat = (x - D(x; sigma_t)) / sigma_t,  w_t = lambda sigma_t ("linear", 1 / sqrt(SNR)),
// N_y and N_x the real value counts of a measurement and an image (the official losses are means).
// mu starts at the least-squares solution (CG on the normal equations, the generic H^dagger y).
// Timesteps: 1000 - skip, ..., 0 with skip = 1000 / steps (980, 960, ..., 0 for 50 steps); `passes`
// repeats the sweep (the closed-form fixed point test uses it). Mapping from sigma_y: none, as in
// the official code (obs_weight / N_y replaces 1 / sigma_y^2); lambda and lr are the knobs.
#pragma once

#include "samplers/denoiser_sampler.h"

namespace diffrecon {

enum class RedDiffWeighting { Linear, Sqrt, Constant };

RedDiffWeighting parse_red_diff_weighting(const std::string& name);
std::string to_string(RedDiffWeighting weighting);

struct RedDiffOptions {
  int64_t steps = 50;
  double lambda = 0.25;
  double lr = 0.1;
  double obs_weight = 1.0;
  RedDiffWeighting weighting = RedDiffWeighting::Linear;
  double beta1 = 0.9, beta2 = 0.99;
  int64_t passes = 1;
  int64_t initial_cg_iterations = 20;  // 0: start from zeros
};

// The EDM noise levels RED-diff visits in one sweep, in order (VpDiscreteSchedule::strided_time_grid).
std::vector<double> red_diff_sigmas(int64_t steps);
// The weight w_t for a level.
double red_diff_weight(const RedDiffOptions& options, double sigma);

class RedDiffSampler final : public DenoiserSampler {
 public:
  // Throws InputError naming the option that is out of range.
  RedDiffSampler(DenoiserPtr prior, RedDiffOptions options);
  std::string name() const override { return "reddiff"; }
  std::vector<std::pair<std::string, std::string>> parameters() const override;
  int64_t evaluations_per_chain() const override { return options_.steps * options_.passes; }
  bool differentiates_network() const override { return false; }
  torch::Tensor sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                       const StepCallback& on_step) const override;

 private:
  RedDiffOptions options_;
};

}  // namespace diffrecon
