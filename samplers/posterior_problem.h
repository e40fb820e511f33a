// PosteriorProblem: a Problem (already in the prior's intensity range) seen from the prior's side.
// Priors work on real tensors [B, Ch, H, W]; the operator keeps its own domain (complex [H, W] for
// MRI, real [H, W] for CT, a flat [d] vector for the analytic oracles). This class is the one place
// that converts between the two, so every sampler is written once, in prior coordinates, and never
// knows which modality it serves.
//
// Gradients: for a complex unknown x = u + i v the prior sees z = (u, v), and the real gradient of a
// real function f is (df/du, df/dv), i.e. to_prior(A^H r) for f = ||A x - y||^2 / 2. So
// data_gradient() is exactly what autograd would give through from_prior().
#pragma once

#include "core/problem.h"

#include <vector>

namespace diffrecon {

class PosteriorProblem {
 public:
  // `image_shape` is the prior's [Ch, H, W]; its element count must equal the operator's domain
  // (real domain) or twice it (complex domain: Ch = 2). Throws std::invalid_argument otherwise.
  PosteriorProblem(Problem problem, std::vector<int64_t> image_shape);
  // The usual layout: complex [H, W] -> [2, H, W], real [H, W] -> [1, H, W], real [Ch, H, W] kept.
  static PosteriorProblem with_default_layout(Problem problem);

  const Problem& problem() const { return problem_; }
  const std::vector<int64_t>& image_shape() const { return image_shape_; }
  // Real values in one prior image (Ch H W) and in one measurement (complex values count twice):
  // the N_x and N_y of RED-diff's mean-based losses.
  int64_t unknown_count() const;
  int64_t measurement_count() const;
  bool complex_unknown() const { return complex_unknown_; }

  // x [B, *domain] -> z [B, Ch, H, W] and back. from_prior is differentiable.
  torch::Tensor to_prior(const torch::Tensor& x) const;
  torch::Tensor from_prior(const torch::Tensor& z) const;

  // A from_prior(z) - y, [B, *range].
  torch::Tensor residual(const torch::Tensor& z) const;
  // ||A from_prior(z) - y|| per chain, [B].
  torch::Tensor residual_norm(const torch::Tensor& z) const;
  // to_prior(A^H r) for a residual r [B, *range]: the real gradient of ||r||^2 / 2 with respect to z.
  torch::Tensor adjoint_to_prior(const torch::Tensor& r) const;
  // to_prior(A^H A from_prior(z)): the operator's own normal, which may be cheaper than forward then
  // adjoint (SENSE skips the shifts and, for line masks, the FFTs along the fully sampled axis).
  torch::Tensor normal_in_prior(const torch::Tensor& z) const;
  // Variance of one real coordinate of noise with standard deviation `sigma` in the problem's
  // convention (docs/ARCHITECTURE.md): sigma^2 for real data, sigma^2 / 2 for complex data.
  double component_variance(double sigma) const;

  // Zeros [count, Ch, H, W] in the measurement's precision on its device.
  torch::Tensor prior_zeros(int64_t count) const;

 private:
  Problem problem_;
  std::vector<int64_t> image_shape_;
  bool complex_unknown_ = false;
};

}  // namespace diffrecon
