// Synthetic multi-coil data for tests and benchmarks: birdcage coil sensitivities (after Fessler's
// mri_birdcage.m, as ISMRMRD's Shepp-Logan generator makes them) and noisy k-space of an image.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace diffrecon::mri {

// complex64 [coils, H, W]: coil c sits at radius `relative_radius` (1 = the FOV's half-width) and
// angle 2 pi c / coils; its sensitivity is 1/distance with a phase that turns around the coil.
torch::Tensor birdcage_sensitivities(int64_t coils, int64_t height, int64_t width, double relative_radius = 1.5);

}  // namespace diffrecon::mri
