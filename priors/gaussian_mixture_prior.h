// Exact analytic priors: a Gaussian mixture p0 = sum_k w_k N(mu_k, Sigma_k) on images [Ch, H, W] (flattened
// to d = Ch H W), a single Gaussian being K = 1. Under x = x0 + sigma n everything is closed form
// (docs/samplers.md sections 9.2, 9.3, 9.6):
//   p_sigma = sum_k w_k N(mu_k, Sigma_k + sigma^2 I),
//   responsibilities gamma_k(x) = w_k N_k(x) / sum_j w_j N_j(x)  (log-sum-exp),
//   D(x; sigma) = sum_k gamma_k [mu_k + Sigma_k (Sigma_k + sigma^2 I)^-1 (x - mu_k)],
//   score       = -sum_k gamma_k (Sigma_k + sigma^2 I)^-1 (x - mu_k)  (computed independently of D),
//   Cov[x0 | x] = sum_k gamma_k (V_k + m_k m_k^T) - D D^T, V_k = sigma^2 Sigma_k (Sigma_k + sigma^2 I)^-1,
// and for y = A x0 + n, n ~ N(0, sigma_y^2 I), the posterior is again a mixture with
//   P_k = Sigma_k - Sigma_k A^T (A Sigma_k A^T + sigma_y^2 I)^-1 A Sigma_k,
//   m_k = mu_k + Sigma_k A^T (A Sigma_k A^T + sigma_y^2 I)^-1 (y - A mu_k),
//   w~_k proportional to w_k N(y; A mu_k, A Sigma_k A^T + sigma_y^2 I).
// VP quantities follow with sigma^2 = (1 - alpha_bar) / alpha_bar and x = x_t / sqrt(alpha_bar).
// These are the oracles the sampler tests use. Computation is in float64 through eigendecompositions
// of Sigma_k, so any sigma costs a diagonal scaling. A must be real (use the real-augmented form
// [[Re A, -Im A], [Im A, Re A]] for complex operators).
#pragma once

#include "priors/denoiser.h"
#include "core/seeded_random.h"

#include <vector>

namespace diffrecon {

struct GaussianComponent {
  double weight = 1.0;
  torch::Tensor mean;        // [d]
  torch::Tensor covariance;  // [d, d], symmetric positive semi-definite
};

class GaussianMixturePrior final : public Denoiser {
 public:
  // image_shape: [Ch, H, W] with Ch H W = d. Weights are normalised.
  GaussianMixturePrior(std::vector<GaussianComponent> components, std::vector<int64_t> image_shape);
  static GaussianMixturePrior gaussian(const torch::Tensor& mean, const torch::Tensor& covariance,
                                       std::vector<int64_t> image_shape);

  int64_t channels() const override { return image_shape_[0]; }
  std::string description() const override;
  int64_t dimension() const { return dimension_; }
  const std::vector<int64_t>& image_shape() const { return image_shape_; }
  const std::vector<GaussianComponent>& components() const { return components_; }

  // All take x [B, Ch, H, W] and sigma (scalar or [B], positive); results are in x's dtype.
  torch::Tensor exact_score(const torch::Tensor& x, const torch::Tensor& sigma) const;
  torch::Tensor log_density(const torch::Tensor& x, const torch::Tensor& sigma) const;       // [B]
  torch::Tensor responsibilities(const torch::Tensor& x, const torch::Tensor& sigma) const;  // [B, K]
  torch::Tensor denoiser_covariance(const torch::Tensor& x, const torch::Tensor& sigma) const;  // [B, d, d]

  // Exact draws: from p0, and from p(x0 | x0 + sigma n = x) (a Gaussian mixture).
  torch::Tensor sample(int64_t count, SeededRandom& random) const;                            // [count, Ch, H, W]
  torch::Tensor sample_clean_given_noisy(const torch::Tensor& x, double sigma, SeededRandom& random) const;

  // The exact posterior for y = A x0 + n (A [m, d] real, y [m], n ~ N(0, sigma_y^2 I)).
  GaussianMixturePrior posterior(const torch::Tensor& A, const torch::Tensor& y, double sigma_y) const;
  // Overall mean [d] and covariance [d, d] of the mixture.
  torch::Tensor mean() const;
  torch::Tensor covariance() const;

 protected:
  torch::Tensor apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const override;

 private:
  struct Spectrum {
    torch::Tensor eigenvalues;   // [d]
    torch::Tensor eigenvectors;  // [d, d] columns
  };
  torch::Tensor flat(const torch::Tensor& x) const;  // [B, d] float64
  // log N_k(x; mu_k, Sigma_k + sigma^2 I) + log w_k, [B, K].
  torch::Tensor weighted_log_likelihoods(const torch::Tensor& flat_x, const torch::Tensor& sigma) const;
  // (Sigma_k + sigma^2 I)^-1 v for v [B, d] with sigma [B], and Sigma_k (Sigma_k + sigma^2 I)^-1 v.
  torch::Tensor apply_spectral(size_t k, const torch::Tensor& v, const torch::Tensor& sigma, bool times_covariance) const;

  std::vector<GaussianComponent> components_;
  std::vector<Spectrum> spectra_;
  std::vector<int64_t> image_shape_;
  int64_t dimension_ = 0;
};

}  // namespace diffrecon
