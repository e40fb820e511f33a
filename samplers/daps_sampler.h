// DAPS, Decoupled Annealing Posterior Sampling (Zhang et al., CVPR 2025; docs/samplers.md
// section 4). Over an annealing grid sigma_0 > ... > sigma_{N_A - 1} > 0 (EDM poly-7 from sigma_max
// towards sigma_min, the last point replaced by 0):
//   1. x0_hat from x_k: Euler steps of the probability-flow ODE dx/dsigma = (x - D(x; sigma)) / sigma
//      on a poly-7 grid from sigma_k down to ode_sigma_min (no gradient through the network);
//   2. Langevin on p(x0 | x_k, y) ~ N(x0; x0_hat, r_k^2 I) p(y | x0), r_k = sigma_k:
//        x <- x + eta_k [-A^H (A x - y) / v_tau + (x0_hat - x) / r_k^2] + sqrt(2 eta_k) eps,
//      eta_k decaying linearly from lr to lr * lr_min_ratio, v_tau the component variance of tau;
//   3. x_{k+1} = x + sigma_{k+1} eps.
// The likelihood term is the correct Gaussian one (legacy DAPS and InverseBench); the official main
// branch's 2 A^H (A x - y) / tau^2 equals tau_main = sqrt(2) tau here. Mapping from sigma_y: tau is a
// free, deliberately small knob (0.01 by default, data over-weighted by design); tau = 0 uses the
// problem's sigma_y. The oracle variant (x0_hat = D(x; sigma), r_k^2 = sigma^2 s^2 / (s^2 + sigma^2)
// for an isotropic prior of standard deviation s) samples the exact posterior (section 9.5).
#pragma once

#include "samplers/data_term.h"
#include "samplers/denoiser_sampler.h"

#include <optional>

namespace diffrecon {

enum class DapsEstimate { OdeEndpoint, Tweedie };
// How step 2 samples its Gaussian target: Langevin (the paper's default), or exactly by perturb-and-MAP
// (draw x~ = x0_hat + r eps and y~ = y + tau eps', then solve (I / r^2 + A^H A / v) x = x~ / r^2 +
// A^H y~ / v by conjugate gradients: the solution is an exact draw from the target, Papandreou &
// Yuille 2010). CG copes with ill-conditioned operators (sparse-view CT) where a few hundred Langevin
// steps cannot move the poorly observed directions.
enum class DapsInnerSampler { Langevin, ConjugateGradient };

struct DapsOptions {
  int64_t annealing_steps = 200;
  double sigma_max = 100.0, sigma_min = 0.1;
  int64_t ode_steps = 5;
  double ode_sigma_min = 0.01;
  int64_t langevin_steps = 100;
  double lr = 1e-4, lr_min_ratio = 0.01;
  double tau = 0.01;
  DapsEstimate estimate = DapsEstimate::OdeEndpoint;
  DapsInnerSampler inner = DapsInnerSampler::Langevin;
  int64_t cg_iterations = 20;  // ConjugateGradient only
  std::optional<double> prior_std;  // oracle r_k for an isotropic Gaussian prior; r_k = sigma_k otherwise
};

// The annealing levels, noisiest first, ending with 0 (annealing_steps + 1 values): EdmSchedule's
// poly-7 grid from sigma_max to sigma_min with the last point replaced by 0.
std::vector<double> daps_sigma_grid(const DapsOptions& options);

// Step 2 alone: `steps` Langevin steps from x towards N(x0_hat, r^2 I) p(y | x) with step eta.
torch::Tensor daps_langevin(const PosteriorProblem& problem, const DataTerm& data, torch::Tensor x,
                            const torch::Tensor& x0_hat, double r, double eta, int64_t steps, double tau,
                            SeededRandom& random);

// Step 2 by perturb-and-MAP with `iterations` CG iterations (exact as the iterations grow). Gaussian
// data only: it solves the normal equations of A itself.
torch::Tensor daps_perturb_and_map(const PosteriorProblem& problem, const torch::Tensor& x0_hat, double r, double tau,
                                   int64_t iterations, SeededRandom& random);

class DapsSampler final : public DenoiserSampler {
 public:
  // Throws InputError naming the option that is out of range.
  DapsSampler(DenoiserPtr prior, DapsOptions options);
  std::string name() const override { return "daps"; }
  std::vector<std::pair<std::string, std::string>> parameters() const override;
  int64_t evaluations_per_chain() const override;
  bool differentiates_network() const override { return false; }
  torch::Tensor sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                       const StepCallback& on_step) const override;

 private:
  DapsOptions options_;
};

}  // namespace diffrecon
