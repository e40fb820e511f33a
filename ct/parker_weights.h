// Parker weights (Parker 1982) for short-scan fan-beam data: over source angles
// beta in [0, pi + 2 delta] (delta >= the fan half-angle) every line is measured once or twice, and
// the weights make each line's measurements sum to one: w(beta, gamma) + w(conjugate) = 1.
//
// With this project's convention (the ray (beta, gamma) is the parallel line theta = beta - gamma,
// ct/fan_beam_geometry.h) the conjugate of (beta, gamma) is (beta + pi - 2 gamma, -gamma), so
// Parker's formulas appear with gamma replaced by -gamma:
//   w = sin^2(pi/4 * beta / (delta + gamma))               for 0 <= beta < 2 (delta + gamma)
//   w = 1                                                  up to beta = pi + 2 gamma
//   w = sin^2(pi/4 * (pi + 2 delta - beta) / (delta - gamma))  up to pi + 2 delta.
#pragma once

#include "ct/fan_beam_geometry.h"

#include <torch/types.h>

namespace diffrecon::ct {

double parker_weight(double beta_rad, double gamma_rad, double delta_rad);

// [views, detectors] weights for a short scan, beta measured from the first angle and delta from
// the covered range (last - first = pi + 2 delta). Throws std::invalid_argument if the range is
// shorter than pi + 2 x the fan half-angle (some lines would be missing).
torch::Tensor parker_weights(const FanBeamGeometry& geometry);

}  // namespace diffrecon::ct
