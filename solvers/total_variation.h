// Total-variation regularised least squares by the primal-dual algorithm of Chambolle & Pock (2011,
// Algorithm 1, theta = 1):
//     min_x 1/2 ||A x - y||^2 + lambda TV(x)   [+ x >= 0 when requested]
// with TV(x) = sum_pixels sqrt(sum_d |D_d x|^2) (isotropic) or sum_pixels sum_d |D_d x|
// (anisotropic), D the forward differences of FiniteDifferenceOperator.
#pragma once

#include "core/linear_operator.h"
#include "solvers/solver_report.h"

namespace diffrecon {

struct TotalVariationOptions {
  double lambda = 0.01;
  int max_iterations = 200;
  // Stop when ||x_k - x_{k-1}|| <= tolerance * ||x_k||.
  double tolerance = 1e-5;
  bool isotropic = true;
  bool nonnegative = false;               // real images only
  std::vector<int64_t> dims = {-2, -1};   // the domain dims TV acts along
  torch::Tensor initial;                  // x0; A^H y when undefined
  IterationCallback callback;             // residual: the relative change of x
};

SolverResult total_variation_reconstruction(const LinearOperator& op, const torch::Tensor& y,
                                            const TotalVariationOptions& options = {});

// lambda TV(x) as used by the solver (for reporting and tests).
double total_variation(const torch::Tensor& x, const Shape& domain_shape, const std::vector<int64_t>& dims,
                       bool isotropic);

}  // namespace diffrecon
