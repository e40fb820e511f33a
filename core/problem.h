// Problem: a linear inverse problem y = A x + n with an explicit noise model, optionally expressed
// in a prior's intensity range. Samplers and solvers see a Problem, never a modality.
//
// Noise convention (docs/ARCHITECTURE.md): sigma_y is the standard deviation of one measurement
// sample: E n^2 = sigma_y^2 for real data, E|n|^2 = sigma_y^2 for complex data (so each of the real
// and imaginary parts has variance sigma_y^2 / 2).
#pragma once

#include "core/linear_operator.h"
#include "core/seeded_random.h"

namespace diffrecon {

struct NoiseModel {
  double sigma = 0.0;

  // Variance of one real coordinate of the noise: sigma^2 (real data) or sigma^2 / 2 (complex).
  double component_variance(bool complex_data) const { return complex_data ? 0.5 * sigma * sigma : sigma * sigma; }
};

// x_prior = (x_physical - offset) / scale. Priors declare what their inputs look like (e.g. MRI
// magnitude 99th percentile at 1, CT attenuation mapped to [-1, 1]); the problem applies it.
struct IntensityNormalization {
  double scale = 1.0;
  double offset = 0.0;

  torch::Tensor normalize(const torch::Tensor& physical) const;
  torch::Tensor denormalize(const torch::Tensor& normalized) const;

  // scale = (percentile of |image|) / target, offset 0: puts that percentile of the magnitude at
  // `target` (percentile in [0, 100]).
  static IntensityNormalization from_percentile(const torch::Tensor& image, double percentile, double target = 1.0);
};

class Problem {
 public:
  Problem(OperatorPtr op, torch::Tensor measurement, NoiseModel noise);

  const LinearOperator& op() const { return *op_; }
  const OperatorPtr& operator_ptr() const { return op_; }
  const torch::Tensor& measurement() const { return measurement_; }
  const NoiseModel& noise() const { return noise_; }
  // The normalisation this problem is expressed in (identity unless made by normalized()).
  const IntensityNormalization& normalization() const { return normalization_; }

  // A x - y.
  torch::Tensor residual(const torch::Tensor& x) const;
  // -log p(y | x) up to a constant: ||A x - y||^2 / (2 v), v = noise().component_variance, one value
  // per batch element (shape: the batch dims of A x - y).
  torch::Tensor negative_log_likelihood(const torch::Tensor& x) const;
  // grad_x log p(y | x) = -A^H (A x - y) / v, in the real-coordinates sense (what autograd gives).
  torch::Tensor log_likelihood_gradient(const torch::Tensor& x) const;

  // The same problem for z = normalization.normalize(x): y' = (y - A(offset)) / scale, sigma' =
  // sigma / scale. Composes with an existing normalisation.
  Problem normalized(const IntensityNormalization& normalization) const;
  // Maps a solution of this problem back to physical units.
  torch::Tensor to_physical(const torch::Tensor& x) const { return normalization_.denormalize(x); }

  // The element type of the unknown: the domain's field at the measurement's precision.
  torch::ScalarType unknown_dtype() const { return op_->domain_dtype_for(measurement_.scalar_type()); }

  // y = A x + n with n drawn from the noise model.
  static torch::Tensor simulate_measurement(const LinearOperator& op, const torch::Tensor& x, const NoiseModel& noise,
                                            SeededRandom& random);

 private:
  OperatorPtr op_;
  torch::Tensor measurement_;
  NoiseModel noise_;
  IntensityNormalization normalization_;
};

}  // namespace diffrecon
