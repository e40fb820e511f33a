// The data term the loops share: the misfit f(x0) between an image and the measurement, with
// -log p(y | x0) = w f(x0) + const for the weight w a method chooses from its own knobs (DPS: 1 / v
// for sigma_y, DAPS: 1 / v for tau, RED-diff: obs_weight / N_y). Every loop reaches the measurement
// through this object, as DeepInverse's NoisyDataFidelity, so a likelihood other than the Gaussian
// (Poisson, Rician) is a new DataTerm, not an edit of every loop.
//
// Only the Gaussian is implemented. It is isotropic in the rows it is given: a diagonal noise
// covariance (CT photon weighting, ct/photon_statistics.h) enters through whitened rows of A and y,
// so f(x0) = ||A x0 - y||^2 / 2 covers it.
#pragma once

#include "samplers/posterior_problem.h"

#include <memory>
#include <string>

namespace diffrecon {

class DataTerm {
 public:
  virtual ~DataTerm() = default;
  virtual std::string name() const = 0;
  // A from_prior(z) - y for z [B, Ch, H, W]: [B, *range], differentiable through z.
  virtual torch::Tensor residual(const torch::Tensor& z) const = 0;
  // ||r|| per chain, [B]: progress reports and DPS's step normalisation.
  virtual torch::Tensor residual_norm(const torch::Tensor& residual) const = 0;
  // f summed over the chains, from their residual: a scalar, differentiable (DPS backpropagates it
  // through the network). Summed, because chains are independent: its gradient holds each chain's own.
  virtual torch::Tensor misfit(const torch::Tensor& residual) const = 0;
  // grad_z f per chain, [B, Ch, H, W], in closed form (no autograd).
  virtual torch::Tensor misfit_gradient(const torch::Tensor& z) const = 0;
};

// f(z) = ||A from_prior(z) - y||^2 / 2; its gradient A^H (A x - y) in prior coordinates is exactly
// what autograd gives through from_prior (PosteriorProblem::adjoint_to_prior).
class GaussianDataTerm final : public DataTerm {
 public:
  explicit GaussianDataTerm(const PosteriorProblem& problem) : problem_(problem) {}
  std::string name() const override { return "gaussian"; }
  torch::Tensor residual(const torch::Tensor& z) const override;
  torch::Tensor residual_norm(const torch::Tensor& residual) const override;
  torch::Tensor misfit(const torch::Tensor& residual) const override;
  torch::Tensor misfit_gradient(const torch::Tensor& z) const override;

 private:
  const PosteriorProblem& problem_;
};

// The data term of a problem: Gaussian (the noise model every Problem has today).
std::unique_ptr<const DataTerm> make_data_term(const PosteriorProblem& problem);

}  // namespace diffrecon
