// Guidance terms: approximations of grad_x log p(y | x_sigma), the likelihood score a posterior
// sampler adds to the prior's score (docs/samplers.md section 9.3). They are kept apart from the
// loops so that every loop can be run with the exact guidance of an analytic prior and checked against
// the exact posterior (tests/samplers/exact_guidance.h). They reach the measurement through the
// loop's DataTerm.
#pragma once

#include "priors/denoiser.h"
#include "samplers/data_term.h"

#include <memory>
#include <string>

namespace diffrecon {

struct GuidanceEstimate {
  torch::Tensor gradient;       // approximately grad_x log p(y | x) at noise level sigma, [B, Ch, H, W]
  torch::Tensor denoised;       // the x0_hat = D(x; sigma) it was formed with (detached)
  torch::Tensor residual_norm;  // ||A x0_hat - y|| per chain, [B]
  double variance = 1.0;        // the per-coordinate noise variance v the gradient was divided by
};

class LikelihoodGuidance {
 public:
  virtual ~LikelihoodGuidance() = default;
  virtual std::string name() const = 0;
  // x in EDM coordinates (x = x0 + sigma n), [B, Ch, H, W]; sigma > 0.
  virtual GuidanceEstimate estimate(const PosteriorProblem& problem, const DataTerm& data, const Denoiser& prior,
                                    const torch::Tensor& x, double sigma) const = 0;
};
using GuidancePtr = std::shared_ptr<const LikelihoodGuidance>;

// DPS (Chung et al. 2023, eq. 16): p(y | x_t) ~ p(y | x0 = D(x_t)), i.e. the exact likelihood score
// with Cov[x0 | x_t] taken as 0:
//   g = -(dD/dx)^T A^H (A D(x) - y) / v,  v = the component variance of sigma_y,
// one vector-Jacobian product through the network per call. sigma_y defaults to the problem's noise;
// when both are 0 (noiseless data) v = 1 and only a step rule that normalises by ||r|| (the official
// code's) gives a meaningful step.
class DpsGuidance final : public LikelihoodGuidance {
 public:
  explicit DpsGuidance(double sigma_y = -1.0) : sigma_y_(sigma_y) {}
  std::string name() const override { return "dps"; }
  GuidanceEstimate estimate(const PosteriorProblem& problem, const DataTerm& data, const Denoiser& prior,
                            const torch::Tensor& x, double sigma) const override;

 private:
  double sigma_y_;
};

}  // namespace diffrecon
