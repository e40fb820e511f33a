// JosephProjector: the ray-driven CT forward projector of Joseph (1982) and its exact transpose.
//
// Why Joseph and not Siddon: Siddon's exact chord lengths model the image as piecewise-constant
// pixels, so its projections of smooth objects carry the pixel staircase (a ripple along the
// detector that FBP turns into streaks), and its per-ray work is an irregular merge of two
// intersection lists. Joseph steps once per image column (or row, whichever the ray crosses more
// steeply), interpolates linearly between the two pixels the ray passes, and weights by the path
// length per step (pixel_size / |cos|): a regular loop, no ripple, and its line integrals converge
// to the continuous ones as pixels shrink. Both are linear in the image, so a transpose exists;
// here the back-projection replays the very same ray traversal (same interpolation indices and
// weights) and scatters instead of gathering, so <A x, y> = <x, A^T y> up to rounding.
//
// Lines are integrated over their whole length through the image (fan-beam sources must lie
// outside the image, which the constructor checks). Inputs [..., rows, columns] map to
// [..., views, detectors]; float32 and float64; leading dimensions are a batch. Work is spread
// over LibTorch's intra-op threads (at::parallel_for, items handed out dynamically). The
// back-projection sums partial images of fixed view blocks in a fixed order, so a given thread
// count always gives the same bits. Tensors on another
// device are projected on the CPU and moved back (there is no GPU kernel yet).
#pragma once

#include "ct/image_grid.h"
#include "ct/projection_geometry.h"
#include "core/linear_operator.h"

#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace diffrecon::ct {

class JosephProjector : public LinearOperator {
 public:
  // Auto: the loops on the CPU, the sparse matrix elsewhere. SparseMatrix: the sparse matrix
  // everywhere (the path other devices take, testable on the CPU).
  enum class Backend { Auto, SparseMatrix };

  JosephProjector(ProjectionGeometry geometry, ImageGrid grid, Backend backend = Backend::Auto);

  const ProjectionGeometry& geometry() const { return geometry_; }
  const ImageGrid& grid() const { return grid_; }

  // The projector as a sparse [views * detectors, rows * columns] matrix (COO, coalesced) with the
  // same weights as the loops, and its transpose; cached per (dtype, device).
  torch::Tensor sparse_matrix(torch::ScalarType dtype, torch::Device device) const;
  torch::Tensor sparse_matrix_transposed(torch::ScalarType dtype, torch::Device device) const;

  // How one ray crosses the image: it steps over columns (reading two rows) or over rows (reading
  // two columns), index n in [first, last]; the other coordinate is start + n * slope.
  struct Trace {
    bool steps_over_columns;
    double start, slope, weight;
    int64_t first, last;
  };

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override;
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override;

 private:
  ProjectionGeometry geometry_;
  ImageGrid grid_;
  Backend backend_;
  std::vector<Trace> traces_;  // view-major, one per (view, detector)

  const std::pair<torch::Tensor, torch::Tensor>& sparse_pair(torch::ScalarType dtype, torch::Device device) const;
  torch::Tensor apply_sparse(const torch::Tensor& t, bool transposed) const;
  mutable std::mutex sparse_mutex_;
  mutable std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> sparse_cache_;  // key: dtype and device
};

// The projector wrapped so autograd differentiates it through its adjoint (what solvers and
// samplers should use).
OperatorPtr make_projector(const ProjectionGeometry& geometry, const ImageGrid& grid,
                           JosephProjector::Backend backend = JosephProjector::Backend::Auto);

}  // namespace diffrecon::ct
