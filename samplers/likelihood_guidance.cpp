#include "samplers/likelihood_guidance.h"

#include <torch/csrc/autograd/autograd.h>

namespace diffrecon {

GuidanceEstimate DpsGuidance::estimate(const PosteriorProblem& problem, const DataTerm& data, const Denoiser& prior,
                                       const torch::Tensor& x, double sigma) const {
  const double sigma_y = sigma_y_ >= 0 ? sigma_y_ : problem.problem().noise().sigma;
  const double variance = sigma_y > 0 ? problem.component_variance(sigma_y) : 1.0;
  torch::AutoGradMode enable(true);
  auto leaf = x.detach().requires_grad_(true);
  auto denoised = prior.denoise(leaf, sigma);
  auto r = data.residual(denoised);
  // The misfit summed over chains: chains are independent, so its gradient holds each chain's own
  // gradient (unlike the official code's one norm over the whole batch, pitfall 10).
  auto gradient = torch::autograd::grad({data.misfit(r)}, {leaf})[0];
  GuidanceEstimate estimate;
  estimate.gradient = gradient.detach() * (-1.0 / variance);
  estimate.denoised = denoised.detach();
  estimate.residual_norm = data.residual_norm(r.detach());
  estimate.variance = variance;
  return estimate;
}

}  // namespace diffrecon
