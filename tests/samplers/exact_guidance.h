// The exact likelihood score of an analytic prior, a test oracle: grad log p_sigma(x | y) -
// grad log p_sigma(x), both closed form (the posterior of a Gaussian mixture under a linear Gaussian
// measurement is again one, docs/samplers.md 9.3). The posterior must be the prior's
// GaussianMixturePrior::posterior for the problem's A, y and sigma_y.
#pragma once

#include "priors/gaussian_mixture_prior.h"
#include "samplers/likelihood_guidance.h"

#include <memory>

namespace diffrecon::testing {

class ExactGuidance final : public LikelihoodGuidance {
 public:
  ExactGuidance(std::shared_ptr<const GaussianMixturePrior> prior, std::shared_ptr<const GaussianMixturePrior> posterior)
      : prior_(std::move(prior)), posterior_(std::move(posterior)) {}
  std::string name() const override { return "exact"; }
  GuidanceEstimate estimate(const PosteriorProblem& problem, const DataTerm& data, const Denoiser& prior,
                            const torch::Tensor& x, double sigma) const override {
    auto s = torch::tensor(sigma, torch::TensorOptions().dtype(torch::kDouble));
    GuidanceEstimate estimate;
    estimate.gradient = (posterior_->exact_score(x, s) - prior_->exact_score(x, s)).to(x.scalar_type());
    estimate.denoised = prior.denoise(x, sigma);
    estimate.residual_norm = data.residual_norm(data.residual(estimate.denoised));
    const double sigma_y = problem.problem().noise().sigma;
    estimate.variance = sigma_y > 0 ? problem.component_variance(sigma_y) : 1.0;
    return estimate;
  }

 private:
  std::shared_ptr<const GaussianMixturePrior> prior_, posterior_;
};

}  // namespace diffrecon::testing
