// Photon-counting noise for simulated CT data: with I0 photons per detector element and line
// integral p, the detected count is N ~ Poisson(I0 exp(-p)) and the measured line integral is
// -log(max(N, floor_count) / I0). Counts of zero (photon starvation) are raised to floor_count
// (LoDoPaB uses 0.1) so the logarithm stays finite.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace diffrecon::ct {

// Same seed -> same bits (drawn on the CPU); the result has the input's dtype and device.
torch::Tensor add_photon_noise(const torch::Tensor& line_integrals, double incident_photons, uint64_t seed,
                               double floor_count = 0.1);

}  // namespace diffrecon::ct
