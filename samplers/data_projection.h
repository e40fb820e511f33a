// MCG's hard data-consistency step (Chung et al. 2022, eq. 14, and its sparse-view CT code): move x
// towards the set of images that reproduce the measured data,
//   x <- x + lambda P A^H (y_target - A x),
// with a diagonal preconditioner P:
//   Identity: the k-space data replacement of multi-coil MRI. With coil maps normalised so that
//     sum_c |S_c|^2 = 1 the step is exactly "replace the measured samples, keep the rest" for one coil,
//     and its coil-combined form for several (Chung & Ye 2022, score-MRI).
//   ColumnSums: P = 1 / (A^T A 1), the normalised ART/SART step of the official sparse-view CT code;
//     pixels no ray reaches (A^T A 1 below 1e-6 of its maximum) are left alone.
// For a selection operator (inpainting mask) both give the exact projection onto {A x = y}.
#pragma once

#include "samplers/posterior_problem.h"

#include <string>

namespace diffrecon {

enum class ProjectionPreconditioner { Identity, ColumnSums };

ProjectionPreconditioner parse_projection_preconditioner(const std::string& name);
std::string to_string(ProjectionPreconditioner preconditioner);

class DataProjection {
 public:
  DataProjection(const PosteriorProblem& problem, ProjectionPreconditioner preconditioner);

  // z [B, Ch, H, W] in prior coordinates, target [B, *range] (or [*range]) in measurement units.
  torch::Tensor apply(const PosteriorProblem& problem, const torch::Tensor& z, const torch::Tensor& target,
                      double lambda) const;
  ProjectionPreconditioner preconditioner() const { return preconditioner_; }

 private:
  ProjectionPreconditioner preconditioner_;
  torch::Tensor weights_;  // P in prior coordinates [1, Ch, H, W]; undefined for Identity
};

}  // namespace diffrecon
