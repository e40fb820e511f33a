// What every iterative solver reports: per-iteration progress through a callback and a final result.
#pragma once

#include <torch/types.h>

#include <functional>

namespace diffrecon {

struct IterationReport {
  int iteration = 0;       // 1-based
  double residual = 0;     // solver-specific, documented with each solver (relative)
  // The objective being minimised, summed over batch elements, evaluated only when called: for
  // FISTA and TV it costs an operator application, which a progress bar should not pay (it made
  // L1-wavelet 35 % slower; docs/benchmarks.md, "ITK filters"). Valid during the callback only.
  std::function<double()> objective;
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
