// Bookkeeping shared by the fixed-point solvers (FISTA, primal-dual TV): each iteration's relative
// change ||x_k - x_{k-1}|| / ||x_k|| is the residual, convergence is that change falling to the
// tolerance, and the callback hears every iteration with the objective.
#pragma once

#include "solvers/solver_report.h"

#include <functional>

namespace diffrecon {

class FixedPointMonitor {
 public:
  FixedPointMonitor(double tolerance, IterationCallback callback,
                    std::function<double(const torch::Tensor&)> objective);

  // Records iteration k that moved from `previous` to `next`; returns whether to go on.
  bool record(int iteration, const torch::Tensor& previous, const torch::Tensor& next);
  // The result for the final iterate (its objective evaluated once more).
  SolverResult finish(torch::Tensor x) const;

 private:
  double tolerance_;
  IterationCallback callback_;
  std::function<double(const torch::Tensor&)> objective_;
  int iterations_ = 0;
  double change_ = 0;
  bool converged_ = false;
};

}  // namespace diffrecon
