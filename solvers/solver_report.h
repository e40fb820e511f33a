// What every iterative solver reports: per-iteration progress through a callback and a final result.
#pragma once

#include <torch/types.h>

#include <functional>

namespace diffrecon {

struct IterationReport {
  int iteration = 0;       // 1-based
  double residual = 0;     // solver-specific, documented with each solver (relative)
  double objective = 0;    // the objective being minimised, summed over batch elements
};

// Called after every iteration; return false to stop early.
using IterationCallback = std::function<bool(const IterationReport&)>;

struct SolverResult {
  torch::Tensor x;
  int iterations = 0;
  bool converged = false;  // the tolerance was reached (not just the iteration limit)
  double residual = 0;
  double objective = 0;
};

}  // namespace diffrecon
