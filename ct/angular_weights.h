// Quadrature weights over view angles for back-projection: the integral over angles in FBP becomes
// sum_i w_i q_i, with w_i the angular interval view i stands for (half the gap to each neighbour).
// Evenly spaced views get the familiar pi/N (parallel) or 2 pi/N (fan, before the 1/2 for double
// coverage); irregular lists (jittered, or denser in some directions) get weights that follow their
// spacing. Gaps are capped at three times the median gap so a missing wedge (limited-angle data)
// does not inflate the views at its edges.
#pragma once

#include <vector>

namespace diffrecon::ct {

// Angles (radians) on a circle of the given period (pi for parallel lines, 2 pi for fan sources):
// gaps are measured modulo the period, the last view's neighbour being the first plus the period.
std::vector<double> circular_angular_weights(const std::vector<double>& angles_rad, double period);

// Angles on an open interval (a short scan): the first and last views get half their single gap.
std::vector<double> open_angular_weights(const std::vector<double>& angles_rad);

}  // namespace diffrecon::ct
