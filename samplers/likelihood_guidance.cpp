#include "samplers/likelihood_guidance.h"

#include "core/tensor_math.h"

#include <torch/csrc/autograd/autograd.h>

namespace diffrecon {

GuidanceEstimate DpsGuidance::estimate(const PosteriorProblem& problem, const Denoiser& prior, const torch::Tensor& x,
                                       double sigma) const {
  const double sigma_y = sigma_y_ >= 0 ? sigma_y_ : problem.problem().noise().sigma;
  const double variance = sigma_y > 0 ? problem.component_variance(sigma_y) : 1.0;
  torch::AutoGradMode enable(true);
  auto leaf = x.detach().requires_grad_(true);
  auto denoised = prior.denoise(leaf, sigma);
  auto r = problem.residual(denoised);
  // Half the squared norm summed over chains: chains are independent, so its gradient holds each
  // chain's own gradient (unlike the official code's one norm over the whole batch, pitfall 10).
  auto half_squared = 0.5 * (torch::is_complex(r) ? torch::view_as_real(r) : r).square().sum();
  auto gradient = torch::autograd::grad({half_squared}, {leaf})[0];
  GuidanceEstimate estimate;
  estimate.gradient = gradient.detach() * (-1.0 / variance);
  estimate.denoised = denoised.detach();
  const auto range_ndim = static_cast<int64_t>(problem.problem().op().range_shape().size());
  estimate.residual_norm = squared_norm_per_sample(r.detach(), range_ndim).reshape({x.size(0)}).sqrt();
  estimate.variance = variance;
  return estimate;
}

GuidanceEstimate ExactGuidance::estimate(const PosteriorProblem& problem, const Denoiser& prior, const torch::Tensor& x,
                                         double sigma) const {
  auto s = torch::tensor(sigma, torch::TensorOptions().dtype(torch::kDouble));
  GuidanceEstimate estimate;
  estimate.gradient = (posterior_->exact_score(x, s) - prior_->exact_score(x, s)).to(x.scalar_type());
  estimate.denoised = prior.denoise(x, sigma);
  estimate.residual_norm = problem.residual_norm(estimate.denoised);
  const double sigma_y = problem.problem().noise().sigma;
  estimate.variance = sigma_y > 0 ? problem.component_variance(sigma_y) : 1.0;
  return estimate;
}

}  // namespace diffrecon
