#include "ct/photon_noise.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <stdexcept>

namespace diffrecon::ct {

torch::Tensor add_photon_noise(const torch::Tensor& line_integrals, double incident_photons, uint64_t seed,
                               double floor_count) {
  if (!(incident_photons > 0.0) || !std::isfinite(incident_photons)) {
    throw std::invalid_argument("add_photon_noise: incident photons must be a positive number");
  }
  if (!(floor_count > 0.0)) throw std::invalid_argument("add_photon_noise: floor_count must be > 0");
  auto generator = at::detail::createCPUGenerator(seed);
  const auto expected = incident_photons * torch::exp(-line_integrals.detach().to(torch::kCPU).to(torch::kFloat64));
  const auto counts = at::poisson(expected, generator).clamp_min(floor_count);
  return (-torch::log(counts / incident_photons)).to(line_integrals.scalar_type()).to(line_integrals.device());
}

}  // namespace diffrecon::ct
