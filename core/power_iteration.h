// The operator norm ||A||_2 = sqrt(largest eigenvalue of A^H A), by power iteration. Solvers use it
// for step sizes (FISTA 1/L, primal-dual tau * sigma * L^2 < 1).
#pragma once

#include "core/linear_operator.h"

#include <cstdint>

namespace diffrecon {

struct PowerIterationOptions {
  int max_iterations = 100;
  double tolerance = 1e-6;            // relative change of the eigenvalue estimate
  uint64_t seed = 0;                  // for the random start vector
  torch::ScalarType precision = torch::kFloat32;
};

struct PowerIterationResult {
  double norm = 0;         // ||A||_2
  int iterations = 0;
  bool converged = false;
};

PowerIterationResult operator_norm(const LinearOperator& op, const PowerIterationOptions& options = {});

}  // namespace diffrecon
