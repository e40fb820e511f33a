// FISTA (Beck & Teboulle 2009) for min_x 1/2 ||A x - y||^2 + g(x) with a pluggable proximal g:
// LASSO / L1-wavelet (SoftThreshold, optionally in a UnitaryTransformProximal), constrained least
// squares (BoxConstraint, L2BallProjection).
#pragma once

#include "core/linear_operator.h"
#include "solvers/proximal_operators.h"
#include "solvers/solver_report.h"

#include <optional>

namespace diffrecon {

struct FistaOptions {
  int max_iterations = 100;
  // Stop when ||x_k - x_{k-1}|| <= tolerance * ||x_k||.
  double tolerance = 1e-6;
  // Step 1/L; L defaults to ||A||^2 from power iteration (times a 1.01 safety factor).
  std::optional<double> step;
  torch::Tensor initial;        // x0; zeros when undefined
  IterationCallback callback;   // residual: the relative change of x
};

SolverResult fista(const LinearOperator& op, const torch::Tensor& y, const ProximalOperator& g,
                   const FistaOptions& options = {});

}  // namespace diffrecon
