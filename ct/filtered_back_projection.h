// Filtered back-projection for parallel- and fan-beam sinograms, scaled so that the result is the
// attenuation coefficient in 1/mm when the sinogram holds line integrals (dimensionless) and the
// geometry is in millimetres.
//
// Parallel beam (Kak & Slaney eq. 3.62, reference ct.md section 4):
//   f(x) = (pi / N) sum_views q_v(x . theta_v),  q = ramp-filtered projections,
// for N views evenly spread over 180 or 360 degrees.
// Fan beam, from f = 1/2 int_0^{2 pi} int p(theta, s) h(x . theta - s) ds dtheta with
// theta = beta - gamma, s = R sin gamma (Jacobian R cos gamma):
//   flat detector, rescaled to the isocentre u' = u R / D (Kak & Slaney eq. 3.109-3.111):
//     q = ramp_{du'}( g(beta, u') R / sqrt(R^2 + u'^2) ),  f(x) = w sum_views q(u'(x)) / U(x)^2,
//     U = (R + x . c) / R, u'(x) = R (x . a) / (R + x . c)
//   curved detector, equi-angular (eq. 3.119-3.121):
//     q = ramp_gamma( g(beta, gamma) R cos gamma ),     f(x) = w sum_views q(gamma(x)) / L(x)^2,
//     L^2 = (x . a)^2 + (R + x . c)^2, gamma(x) = atan((x . a) / (R + x . c))
//   with c = (-sin beta, cos beta) the central ray, a = (cos beta, sin beta) the detector axis, and
//   w = (1/2)(2 pi / N) for a full scan, or w = range / (N - 1) with Parker weights multiplying g
//   for a short scan (each line then counted once).
// Those view weights are for evenly spaced angles; in general each view gets the angular interval
// it stands for (ct/angular_weights.h), which reduces to them for even spacing.
// The back-projection is pixel-driven with linear interpolation along the detector (the usual FBP
// back-projector, not the Joseph transpose: the transpose of a ray-driven projector weights pixels
// by how many rays pass near them and leaves a ray-spacing pattern in FBP images).
#pragma once

#include "ct/image_grid.h"
#include "ct/projection_geometry.h"
#include "ct/ramp_filter.h"

#include <torch/types.h>

namespace diffrecon::ct {

struct FilteredBackProjectionOptions {
  RampFilter filter = RampFilter::RamLak;
  // Fraction of the detector's Nyquist frequency kept, in (0, 1]; 0 = automatic: min(1, detector
  // spacing at the isocentre / pixel size). Frequencies finer than the pixels cannot be shown and,
  // sampled at pixel centres by the back-projection, alias into a moire pattern (a fine fan-beam
  // detector on a coarser grid); with detectors at least as coarse as the pixels it is 1.
  double frequency_cutoff = 0.0;
};

// The cutoff `options` resolves to for this geometry and grid.
double resolved_frequency_cutoff(const FilteredBackProjectionOptions& options, const ProjectionGeometry& geometry,
                                 const ImageGrid& grid);

// sinogram [..., views, detectors] (float32 or float64) -> image [..., rows, columns] in 1/mm.
torch::Tensor filtered_back_projection(const torch::Tensor& sinogram, const ProjectionGeometry& geometry,
                                       const ImageGrid& grid, const FilteredBackProjectionOptions& options = {});

}  // namespace diffrecon::ct
