// Iterative CT reconstruction baselines on a projector (any LinearOperator with non-negative
// entries, e.g. ct::make_projector):
// - SIRT (Gilbert 1972; in the form of e.g. ASTRA/TIGRE): x <- P_+( x + relaxation C A^T R (y - A x) ),
//   R = 1 / (A 1) row sums, C = 1 / (A^T 1) column sums (zero where a sum is zero).
// - CGLS: conjugate gradients on the normal equations A^T A x = A^T y (solvers
//   solve_least_squares, the same iterates as CGLS in exact arithmetic); early stopping by the
//   iteration count is the regulariser.
// - TV: min 1/2 ||A x - y||^2 + lambda TV(x), x >= 0, by Chambolle-Pock (solvers
//   total_variation_reconstruction), run on the problem divided by ||A||^2 (A / ||A||, y / ||A||,
//   lambda / ||A||^2: the same minimiser) so that the primal-dual step sizes suit both terms.
#pragma once

#include "core/linear_operator.h"
#include "solvers/solver_report.h"

namespace diffrecon::ct {

struct SirtOptions {
  int iterations = 100;
  double relaxation = 1.0;   // in (0, 2)
  bool nonnegative = true;
  torch::Tensor initial;     // zeros when undefined
  IterationCallback callback;  // residual: ||y - A x|| / ||y||
};

SolverResult sirt(const LinearOperator& projector, const torch::Tensor& sinogram, const SirtOptions& options = {});

struct CglsOptions {
  int iterations = 30;
  IterationCallback callback;
};

SolverResult cgls(const LinearOperator& projector, const torch::Tensor& sinogram, const CglsOptions& options = {});

struct TvReconstructionOptions {
  // Weight of TV(x) against 1/2 ||A x - y||^2 (x in 1/mm, y line integrals); the default was the
  // best of a sweep on a development phantom (docs/benchmarks.md, "Measurements behind code choices").
  double lambda = 0.2;
  int iterations = 300;
  bool nonnegative = true;
  torch::Tensor initial;     // e.g. an FBP image; zeros when undefined
  IterationCallback callback;
};

SolverResult tv_reconstruction(const LinearOperator& projector, const torch::Tensor& sinogram,
                               const TvReconstructionOptions& options = {});

}  // namespace diffrecon::ct
