#include "core/power_iteration.h"

#include "core/operator_checks.h"
#include "core/seeded_random.h"
#include "core/tensor_math.h"

#include <cmath>

namespace diffrecon {

PowerIterationResult operator_norm(const LinearOperator& op, const PowerIterationOptions& options) {
  torch::NoGradGuard no_grad;
  SeededRandom random(options.seed);
  auto x = random_domain_element(op, options.precision, random);
  x = x / l2_norm(x);
  PowerIterationResult result;
  double eigenvalue = 0;
  for (int k = 1; k <= options.max_iterations; ++k) {
    auto z = op.normal(x);
    const double estimate = real_inner_product(x, z).item<double>();  // Rayleigh quotient, x normalised
    const double z_norm = l2_norm(z).item<double>();
    result.iterations = k;
    if (z_norm == 0) {  // A x = 0 for the start vector: A is zero on it (or A = 0)
      eigenvalue = 0;
      result.converged = true;
      break;
    }
    x = z / z_norm;
    const bool settled = k > 1 && std::abs(estimate - eigenvalue) <= options.tolerance * std::abs(estimate);
    eigenvalue = estimate;
    if (settled) {
      result.converged = true;
      break;
    }
  }
  result.norm = std::sqrt(std::max(eigenvalue, 0.0));
  return result;
}

}  // namespace diffrecon
