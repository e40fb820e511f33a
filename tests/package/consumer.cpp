// Builds an operator and solves a small problem through the installed headers and libraries.
#include "core/fft_operator.h"
#include "core/operator_checks.h"
#include "solvers/conjugate_gradient.h"

#include <cstdio>

int main() {
  using namespace diffrecon;
  FFTOperator fft({16, 16}, {-2, -1});
  SeededRandom random(1);
  const double mismatch = adjoint_mismatch(fft, torch::kComplexDouble, random);
  auto y = random.normal({16, 16}, torch::TensorOptions().dtype(torch::kComplexDouble));
  auto result = solve_least_squares(fft, y, 0.0);
  std::printf("adjoint mismatch %.2e, CG residual %.2e after %d iterations\n", mismatch, result.residual,
              result.iterations);
  return mismatch < 1e-12 && result.converged ? 0 : 1;
}
