#include "samplers/data_projection.h"

#include <stdexcept>

namespace diffrecon {

ProjectionPreconditioner parse_projection_preconditioner(const std::string& name) {
  if (name == "identity") return ProjectionPreconditioner::Identity;
  if (name == "column-sums") return ProjectionPreconditioner::ColumnSums;
  throw std::invalid_argument("MCG projection: expected 'identity' or 'column-sums', got '" + name + "'");
}

std::string to_string(ProjectionPreconditioner preconditioner) {
  return preconditioner == ProjectionPreconditioner::Identity ? "identity" : "column-sums";
}

DataProjection::DataProjection(const PosteriorProblem& problem, ProjectionPreconditioner preconditioner)
    : preconditioner_(preconditioner) {
  if (preconditioner_ != ProjectionPreconditioner::ColumnSums) return;
  if (problem.complex_unknown())
    throw std::invalid_argument("MCG projection: column-sum (ART) weights need a real operator such as a CT "
                                "projector; use the identity preconditioner for complex (MRI) data");
  torch::NoGradGuard no_grad;
  auto ones = problem.prior_zeros(1) + 1;
  auto column_sums = problem.to_prior(problem.problem().op().normal(problem.from_prior(ones))).abs();
  const double largest = column_sums.max().item<double>();
  if (!(largest > 0)) throw std::invalid_argument("MCG projection: the operator maps every image to zero");
  weights_ = torch::where(column_sums > 1e-6 * largest, 1.0 / column_sums, torch::zeros_like(column_sums));
}

torch::Tensor DataProjection::apply(const PosteriorProblem& problem, const torch::Tensor& z, const torch::Tensor& target,
                                    double lambda) const {
  const auto& op = problem.problem().op();
  auto step = problem.adjoint_to_prior(target - op.forward(problem.from_prior(z)));
  if (weights_.defined()) step = step * weights_;
  return z + lambda * step;
}

}  // namespace diffrecon
