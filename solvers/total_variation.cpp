#include "solvers/total_variation.h"

#include "core/finite_difference_operator.h"
#include "core/power_iteration.h"
#include "core/tensor_math.h"
#include "solvers/fixed_point_monitor.h"

#include <cmath>
#include <stdexcept>

namespace diffrecon {
namespace {

// |g|^2 elementwise for real or complex g.
torch::Tensor squared_magnitude(const torch::Tensor& g) {
  return g.is_complex() ? torch::real(g).square() + torch::imag(g).square() : g.square();
}

// Per-pixel magnitude of the gradient field g [..., K, *domain]: the Euclidean norm over the K
// difference directions (isotropic) or the magnitude of each component (anisotropic).
torch::Tensor gradient_magnitude(const torch::Tensor& g, int64_t component_dim, bool isotropic) {
  auto squared = squared_magnitude(g);
  return isotropic ? squared.sum(component_dim, /*keepdim=*/true).sqrt() : squared.sqrt();
}

}  // namespace

double total_variation(const torch::Tensor& x, const Shape& domain_shape, const std::vector<int64_t>& dims,
                       bool isotropic) {
  FiniteDifferenceOperator gradient(domain_shape, dims);
  const auto component_dim = -static_cast<int64_t>(domain_shape.size()) - 1;
  return gradient_magnitude(gradient.forward(x), component_dim, isotropic).sum().item<double>();
}

SolverResult total_variation_reconstruction(const LinearOperator& op, const torch::Tensor& y,
                                            const TotalVariationOptions& options) {
  torch::NoGradGuard no_grad;
  if (!(options.lambda >= 0)) throw std::invalid_argument("total_variation_reconstruction: lambda must be >= 0");
  FiniteDifferenceOperator gradient(op.domain_shape(), options.dims);
  const auto component_dim = -static_cast<int64_t>(op.domain_shape().size()) - 1;

  auto x = options.initial.defined() ? options.initial.clone() : op.adjoint(y);
  if (options.nonnegative && x.is_complex())
    throw std::invalid_argument("total_variation_reconstruction: non-negativity needs a real image");
  if (options.nonnegative) x = x.clamp_min(0);

  // ||K||^2 <= ||A||^2 + ||D||^2 for K = [A; D], and ||D||^2 <= 4 per differenced dimension.
  PowerIterationOptions power;
  power.precision = real_dtype_of(x.scalar_type());
  const double a_norm = operator_norm(op, power).norm;
  const double k_norm = std::sqrt(a_norm * a_norm + 4.0 * static_cast<double>(options.dims.size()));
  const double tau = 0.99 / k_norm, sigma = 0.99 / k_norm;  // tau sigma ||K||^2 < 1

  auto x_bar = x.clone();
  auto p = torch::zeros_like(op.forward(x));  // dual of the data term
  auto q = torch::zeros_like(gradient.forward(x));  // dual of the TV term

  auto objective = [&](const torch::Tensor& v) {
    const double data = 0.5 * squared_norm(op.forward(v) - y).item<double>();
    const double tv = gradient_magnitude(gradient.forward(v), component_dim, options.isotropic).sum().item<double>();
    return data + options.lambda * tv;
  };

  FixedPointMonitor monitor(options.tolerance, options.callback, objective);
  for (int k = 1; k <= options.max_iterations; ++k) {
    // prox of sigma F1*, F1 = 1/2 ||. - y||^2:  (v - sigma y) / (1 + sigma)
    p = (p + sigma * (op.forward(x_bar) - y)) / (1 + sigma);
    // prox of sigma F2*, F2 = lambda ||.||_{2,1}: projection onto {|q_pixel| <= lambda}
    q = q + sigma * gradient.forward(x_bar);
    // (lambda = 0 projects onto {0}; dividing by it would give 0/0 = NaN in single precision.)
    q = options.lambda > 0 ? q / (gradient_magnitude(q, component_dim, options.isotropic) / options.lambda).clamp_min(1)
                           : torch::zeros_like(q);
    auto x_next = x - tau * (op.adjoint(p) + gradient.adjoint(q));
    if (options.nonnegative) x_next = x_next.clamp_min(0);
    x_bar = 2 * x_next - x;  // extrapolation, theta = 1
    const bool go_on = monitor.record(k, x, x_next);
    x = x_next;
    if (!go_on) break;
  }
  return monitor.finish(x);
}

}  // namespace diffrecon
