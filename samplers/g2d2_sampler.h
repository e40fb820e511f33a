// G2D2: gradient-guided discrete diffusion (Murata et al., TMLR 2025, arXiv 2410.14710), posterior
// sampling with a discrete (VQ) prior (priors/token_prior.h; docs/samplers.md, "G2D2"). From all
// tokens masked, over levels t_0 = T-1 > ... > t_{N-1} = 0 of the VQ-Diffusion process:
//   1. ℓ_p = log p(z0 | z_t) from the token denoiser (one evaluation, no gradient);
//   2. start from ℓ = forget ℓ_p + (1 - forget) ℓ_prev (ℓ_p at the first step), and minimise
//        E_g ||y - A Dec(softmax((ℓ + g) / temperature)ᵀ C)|| + κ_n KL(softmax ℓ || ℓ_p)
//      by `iterations` RAdam steps (samplers/token_logit_optimiser.h), lr_n and κ_n decayed
//      log-linearly, 10^{w/2} .. 10^{-w/2} times their base values (the official presets' schedules);
//   3. the next tokens: star-shaped, ẑ0 ~ Cat(top-p(ℓ, truncation)) and exactly
//      floor(L (c̄_next - b̄_next)) positions, uniformly placed, re-masked (every token can change at
//      every step), or Markov, z_next ~ Σ_{z0} q(z_next | z_t, z0) softmax ℓ(z0) (unmasked tokens
//      change only through the replacement mass b̄). The last step draws ẑ0 ~ Cat(ℓ).
// The output is Dec of the final tokens (the codebook lookup), or with `refine` > 0 that image after a
// few CG iterations on the data's normal equations (not in the paper: a data-consistency option). The data term is the unsquared norm of
// the shared DataTerm's residual (the official operator loss), or its misfit / v, v the noise
// variance, -log p(y | x) of the Gaussian likelihood (`likelihood = gaussian`, with which κ = 1 and a
// low temperature make step 2's optimum the exact per-token posterior of the discrete oracle).
// The level grid is round(linspace(T-1, 0, N)); the star step masks for the next visited level, so a
// grid coarser than T keeps the process's marginals (the official code's t - 1 does not, g2d2.md 2).
#pragma once

#include "priors/token_prior.h"
#include "samplers/sampler.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace diffrecon {

enum class G2d2Step { Star, Markov };
enum class G2d2Likelihood { Norm, Gaussian };

struct G2d2Options {
  int64_t steps = 100;         // visited levels N (at most T)
  int64_t iterations = 30;     // RAdam iterations per level
  double lr = 10, lr_width = 2;               // sr_ffhq's preset
  double kl_weight = 3e-4, kl_width = 2;
  double forget = 0.3;         // share of the fresh prior logits in the warm start
  double temperature = 1.0;    // Gumbel-softmax temperature
  G2d2Step step = G2d2Step::Star;
  double truncation = 0.95;    // the star step's top-p (hard-coded in the official code)
  G2d2Likelihood likelihood = G2d2Likelihood::Norm;
  double tau = 0.0;            // noise standard deviation of the Gaussian likelihood; 0: the problem's sigma_y
  // CG iterations of a final data-consistency step from the decoded image, as DDS's (Chung et al. 2024):
  // argmin ||A x - y||^2 started at Dec(z) and stopped early. 0: the official output, Dec(z) itself.
  // Lifts the decoder's ceiling where the data measure what the codebook cannot represent (docs/samplers.md).
  int64_t refine = 0;
};

// The visited levels round(linspace(T-1, 0, steps)), strictly decreasing from T-1 to 0.
std::vector<int64_t> g2d2_levels(int64_t process_steps, int64_t steps);

// The n-th of N values 10^{w/2} .. 10^{-w/2} (log-linear), times `base`.
double g2d2_schedule(double base, double width, int64_t n, int64_t count);

// Keeps, per token, the likeliest classes up to and including the one where the cumulative
// probability reaches `rate` (diffusers' truncate); the rest get -inf. [B, K, L] normalised logits.
torch::Tensor truncate_logits(const torch::Tensor& logits, double rate);

class G2d2Sampler final : public Sampler {
 public:
  // Throws InputError for a null prior or an option out of range (naming it).
  G2d2Sampler(TokenPriorPtr prior, G2d2Options options);

  std::string name() const override { return "g2d2"; }
  std::vector<std::pair<std::string, std::string>> parameters() const override;
  int64_t evaluations_per_chain() const override { return options_.steps; }
  bool differentiates_network() const override { return false; }  // the decoder is; the denoiser is not
  int64_t image_channels() const override { return prior_->image_channels(); }
  const EvaluationCounter& evaluation_counter() const override { return *denoiser_counter_; }
  const EvaluationCounter* decoder_counter() const override { return decoder_counter_.get(); }

  torch::Tensor sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                       const StepCallback& on_step) const override;

  const G2d2Options& options() const { return options_; }

 private:
  TokenPriorPtr prior_;
  G2d2Options options_;
  std::shared_ptr<EvaluationCounter> denoiser_counter_ = std::make_shared<EvaluationCounter>();
  std::shared_ptr<EvaluationCounter> decoder_counter_ = std::make_shared<EvaluationCounter>();
};

}  // namespace diffrecon
