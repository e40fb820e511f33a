#include "solvers/conjugate_gradient.h"

#include "core/tensor_math.h"

#include <cmath>
#include <stdexcept>

namespace diffrecon {

SolverResult conjugate_gradient(const std::function<torch::Tensor(const torch::Tensor&)>& apply,
                                const torch::Tensor& b, int64_t sample_ndim,
                                const ConjugateGradientOptions& options) {
  torch::NoGradGuard no_grad;
  if (options.max_iterations < 0) throw std::invalid_argument("conjugate_gradient: max_iterations must be >= 0");
  if (options.initial.defined() && options.initial.sizes() != b.sizes())
    throw std::invalid_argument("conjugate_gradient: initial guess of shape " + shape_to_string(options.initial.sizes()) +
                                " does not match the right-hand side " + shape_to_string(b.sizes()));
  auto x = options.initial.defined() ? options.initial.to(b.scalar_type()).clone() : torch::zeros_like(b);
  auto r = options.initial.defined() ? b - apply(x) : b.clone();
  auto p = r.clone();
  auto rr = squared_norm_per_sample(r, sample_ndim);
  const auto bb = squared_norm_per_sample(b, sample_ndim);
  const auto threshold = bb * (options.tolerance * options.tolerance);

  auto relative_residual = [&] { return (rr / bb.clamp_min(1e-300)).sqrt().max().item<double>(); };
  // f(x) = 1/2 <x, M x> - Re <x, b> = -1/2 Re<x, b> - 1/2 Re<x, r> with r = b - M x (no extra apply).
  auto objective = [&] { return (-0.5 * (real_inner_product(x, b) + real_inner_product(x, r))).item<double>(); };

  SolverResult result;
  result.converged = (rr <= threshold).all().item<bool>();
  for (int k = 1; k <= options.max_iterations && !result.converged; ++k) {
    auto mp = apply(p);
    auto pmp = real_inner_product_per_sample(p, mp, sample_ndim);
    // Converged samples (rr = 0) keep alpha = 0 instead of 0/0.
    auto alpha = torch::where(pmp > 0, rr / pmp.clamp_min(1e-300), torch::zeros_like(pmp));
    x = x + alpha * p;
    r = r - alpha * mp;
    auto rr_new = squared_norm_per_sample(r, sample_ndim);
    auto beta = torch::where(rr > 0, rr_new / rr.clamp_min(1e-300), torch::zeros_like(rr));
    p = r + beta * p;
    rr = rr_new;
    result.iterations = k;
    result.converged = (rr <= threshold).all().item<bool>();
    if (options.callback && !options.callback({k, relative_residual(), objective})) break;
  }
  result.x = x;
  result.residual = relative_residual();
  result.objective = objective();
  return result;
}

SolverResult solve_least_squares(const LinearOperator& op, const torch::Tensor& y, double lambda,
                                 const ConjugateGradientOptions& options) {
  if (!(lambda >= 0)) throw std::invalid_argument("solve_least_squares: lambda must be >= 0");
  const auto b = op.adjoint(y);
  auto normal = [&](const torch::Tensor& x) { return lambda > 0 ? op.normal(x) + lambda * x : op.normal(x); };
  auto inner_options = options;
  // ||Ax - y||^2 + lambda ||x||^2 = 2 f(x) + ||y||^2 with f the CG objective of M = A^H A + lambda I.
  const double y_energy = squared_norm(y).item<double>();
  if (options.callback)
    inner_options.callback = [&](const IterationReport& report) {
      return options.callback({report.iteration, report.residual, [&] { return 2 * report.objective() + y_energy; }});
    };
  auto result = conjugate_gradient(normal, b, static_cast<int64_t>(op.domain_shape().size()), inner_options);
  result.objective = 2 * result.objective + y_energy;
  return result;
}

}  // namespace diffrecon
