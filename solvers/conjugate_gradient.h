// Conjugate gradient for Hermitian positive-definite systems, and CG on the (Tikhonov-regularised)
// normal equations (A^H A + lambda I) x = A^H y: CG-SENSE when A is a SENSE operator.
//
// Batched: every batch element runs its own CG (its own step lengths) in the same loop, so a batch
// of independent problems gives the same answers as solving them one by one.
#pragma once

#include "core/linear_operator.h"
#include "solvers/solver_report.h"

namespace diffrecon {

struct ConjugateGradientOptions {
  int max_iterations = 50;
  // Stop when ||b - M x|| <= tolerance * ||b|| for every batch element.
  double tolerance = 1e-6;
  torch::Tensor initial;        // x0; zeros when undefined
  IterationCallback callback;   // residual: the largest relative residual over the batch
};

// Solves M x = b, where `apply` computes M x and M is Hermitian positive-(semi)definite. The
// trailing `sample_ndim` dims of b form one system; leading dims are independent systems.
// The objective reported is 1/2 <x, M x> - Re <x, b>, which CG minimises.
SolverResult conjugate_gradient(const std::function<torch::Tensor(const torch::Tensor&)>& apply,
                                const torch::Tensor& b, int64_t sample_ndim,
                                const ConjugateGradientOptions& options = {});

// Minimises ||A x - y||^2 + lambda ||x||^2 by CG on (A^H A + lambda I) x = A^H y, using the
// operator's normal(). The objective reported is that functional.
SolverResult solve_least_squares(const LinearOperator& op, const torch::Tensor& y, double lambda = 0.0,
                                 const ConjugateGradientOptions& options = {});

}  // namespace diffrecon
