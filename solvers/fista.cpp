#include "solvers/fista.h"

#include "core/power_iteration.h"
#include "core/tensor_math.h"
#include "solvers/fixed_point_monitor.h"

#include <cmath>
#include <stdexcept>

namespace diffrecon {

SolverResult fista(const LinearOperator& op, const torch::Tensor& y, const ProximalOperator& g,
                   const FistaOptions& options) {
  torch::NoGradGuard no_grad;
  const auto b = op.adjoint(y);
  double step = 0;
  if (options.step) {
    step = *options.step;
  } else {
    PowerIterationOptions power;
    power.precision = real_dtype_of(b.scalar_type());
    const double lipschitz = std::pow(operator_norm(op, power).norm, 2) * 1.01;
    step = lipschitz > 0 ? 1.0 / lipschitz : 1.0;
  }
  if (!(step > 0) || !std::isfinite(step)) throw std::invalid_argument("fista: step must be positive and finite");

  auto x = options.initial.defined() ? options.initial.to(b.scalar_type()).clone() : torch::zeros_like(b);
  auto z = x.clone();  // the extrapolated point
  double t = 1.0;
  auto objective = [&](const torch::Tensor& v) {
    return 0.5 * squared_norm(op.forward(v) - y).item<double>() + g.value(v);
  };

  FixedPointMonitor monitor(options.tolerance, options.callback, objective);
  for (int k = 1; k <= options.max_iterations; ++k) {
    // x_k = prox_{step g}(z - step * A^H (A z - y)) = prox(z - step (A^H A z - A^H y)).
    auto x_next = g.apply(z - step * (op.normal(z) - b), step);
    // Beck & Teboulle (2009), eq. (4.2)-(4.3): t_{k+1} and the extrapolated point.
    const double t_next = 0.5 * (1 + std::sqrt(1 + 4 * t * t));
    z = x_next + ((t - 1) / t_next) * (x_next - x);
    t = t_next;
    const bool go_on = monitor.record(k, x, x_next);
    x = x_next;
    if (!go_on) break;
  }
  return monitor.finish(x);
}

}  // namespace diffrecon
