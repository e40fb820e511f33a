// ProjectionGeometry: either scan geometry, and what every projector and reconstruction needs from
// it: the rays of each (view, detector) pair, the sinogram shape, and exact sinograms of ellipse
// phantoms.
#pragma once

#include "ct/ellipse_phantom.h"
#include "ct/fan_beam_geometry.h"
#include "ct/parallel_beam_geometry.h"

#include <torch/types.h>

#include <string>
#include <variant>
#include <vector>

namespace diffrecon::ct {

using ProjectionGeometry = std::variant<ParallelBeamGeometry, FanBeamGeometry>;

// One measured line: a point on it (the source for fan beam, the detector element for parallel
// beam) and its unit direction.
struct Ray {
  double x_mm, y_mm, direction_x, direction_y;
};

int64_t view_count(const ProjectionGeometry& geometry);
int64_t detector_count(const ProjectionGeometry& geometry);
// {views, detectors}
std::vector<int64_t> sinogram_shape(const ProjectionGeometry& geometry);
// "parallel-beam, 60 views x 367 detectors" and the like, for messages.
std::string describe(const ProjectionGeometry& geometry);
void validate(const ProjectionGeometry& geometry, const char* who);

// Rays in view-major order: rays[v * detectors + k].
std::vector<Ray> rays(const ProjectionGeometry& geometry);

// The exact sinogram of `phantom`, [views, detectors], with each detector value the mean of
// `detector_samples` line integrals spread evenly across the element (1 = its centre; more models
// the element's width, as a real detector integrates).
torch::Tensor analytic_sinogram(const EllipsePhantom& phantom, const ProjectionGeometry& geometry,
                                int detector_samples = 1, torch::ScalarType dtype = torch::kFloat32);

// Throws std::invalid_argument, naming `what`, unless `sinogram` is [..., views, detectors] for the geometry.
void check_sinogram_shape(const torch::Tensor& sinogram, const ProjectionGeometry& geometry, const std::string& what);

}  // namespace diffrecon::ct
