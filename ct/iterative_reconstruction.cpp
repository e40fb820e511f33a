#include "ct/iterative_reconstruction.h"

#include "core/operator_algebra.h"
#include "core/power_iteration.h"
#include "core/tensor_math.h"
#include "solvers/conjugate_gradient.h"
#include "solvers/total_variation.h"

#include <memory>
#include <stdexcept>

namespace diffrecon::ct {
namespace {

// A non-owning OperatorPtr for solvers and algebra that take shared pointers.
OperatorPtr borrow(const LinearOperator& op) { return OperatorPtr(&op, [](const LinearOperator*) {}); }

torch::Tensor reciprocal_or_zero(const torch::Tensor& t) {
  return torch::where(t > 0, 1.0 / t.clamp_min(1e-30), torch::zeros_like(t));
}

}  // namespace

SolverResult sirt(const LinearOperator& projector, const torch::Tensor& sinogram, const SirtOptions& options) {
  if (options.iterations < 1) throw std::invalid_argument("sirt: iterations must be >= 1");
  if (!(options.relaxation > 0.0 && options.relaxation < 2.0)) throw std::invalid_argument("sirt: relaxation must be in (0, 2)");
  projector.check_range_element(sinogram, "sirt sinogram");
  const auto options_like = sinogram.options();
  const auto row_weights = reciprocal_or_zero(projector.forward(torch::ones(projector.domain_shape(), options_like)));
  const auto column_weights = reciprocal_or_zero(projector.adjoint(torch::ones(projector.range_shape(), options_like)));
  const auto batch = sinogram.sizes().slice(0, sinogram.dim() - 2).vec();
  auto shape = batch;
  for (auto d : projector.domain_shape()) shape.push_back(d);
  torch::Tensor x = options.initial.defined() ? options.initial.to(options_like).clone() : torch::zeros(shape, options_like);
  const double data_norm = std::max(l2_norm(sinogram).item<double>(), 1e-30);
  SolverResult result;
  for (int k = 1; k <= options.iterations; ++k) {
    const auto residual = sinogram - projector.forward(x);
    x = x + options.relaxation * column_weights * projector.adjoint(row_weights * residual);
    if (options.nonnegative) x = x.clamp_min(0.0);
    result.iterations = k;
    result.residual = l2_norm(residual).item<double>() / data_norm;  // of the iterate before this update
    result.objective = 0.5 * squared_norm(residual).item<double>();
    if (options.callback && !options.callback({k, result.residual, [&] { return result.objective; }})) break;
  }
  result.x = x;
  return result;
}

SolverResult cgls(const LinearOperator& projector, const torch::Tensor& sinogram, const CglsOptions& options) {
  if (options.iterations < 1) throw std::invalid_argument("cgls: iterations must be >= 1");
  ConjugateGradientOptions cg;
  cg.max_iterations = options.iterations;
  cg.tolerance = 1e-12;  // the iteration count is the regulariser
  cg.callback = options.callback;
  return solve_least_squares(projector, sinogram, 0.0, cg);
}

SolverResult tv_reconstruction(const LinearOperator& projector, const torch::Tensor& sinogram,
                               const TvReconstructionOptions& options) {
  if (!(options.lambda >= 0.0)) throw std::invalid_argument("tv_reconstruction: lambda must be >= 0");
  if (options.iterations < 1) throw std::invalid_argument("tv_reconstruction: iterations must be >= 1");
  projector.check_range_element(sinogram, "tv_reconstruction sinogram");
  PowerIterationOptions power;
  power.precision = sinogram.scalar_type();
  power.tolerance = 1e-4;
  const double norm = operator_norm(projector, power).norm;
  const auto normalised = scale(borrow(projector), 1.0 / norm);
  TotalVariationOptions tv;
  tv.lambda = options.lambda / (norm * norm);
  tv.max_iterations = options.iterations;
  tv.tolerance = 0.0;
  tv.nonnegative = options.nonnegative;
  tv.callback = options.callback;
  if (options.initial.defined()) {
    tv.initial = options.initial.to(sinogram.options());
  } else {
    auto shape = sinogram.sizes().slice(0, sinogram.dim() - 2).vec();
    for (auto d : projector.domain_shape()) shape.push_back(d);
    tv.initial = torch::zeros(shape, sinogram.options());
  }
  auto result = total_variation_reconstruction(*normalised, sinogram / norm, tv);
  result.objective *= norm * norm;
  return result;
}

}  // namespace diffrecon::ct
