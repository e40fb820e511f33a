#include "ct/photon_statistics.h"

#include "core/diagonal_operator.h"
#include "core/operator_algebra.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::ct {

namespace {

void check_photons(double incident_photons) {
  if (!(incident_photons > 0.0) || !std::isfinite(incident_photons))
    throw std::invalid_argument("incident photons must be a positive number, got " + std::to_string(incident_photons));
}

}  // namespace

torch::Tensor line_integral_noise_std(const torch::Tensor& sinogram, double incident_photons) {
  check_photons(incident_photons);
  return torch::exp(0.5 * sinogram.clamp_min(0.0)) / std::sqrt(incident_photons);
}

Problem photon_weighted_problem(OperatorPtr projector, const torch::Tensor& sinogram, double incident_photons) {
  // w_i = (std of an unattenuated ray) / (std of ray i) = exp(-p_i / 2).
  const double unattenuated_std = 1.0 / std::sqrt(incident_photons);
  const auto weights = unattenuated_std / line_integral_noise_std(sinogram, incident_photons);
  auto weighting = std::make_shared<DiagonalOperator>(weights, projector->range().shape, "PhotonWeights");
  return Problem(compose(weighting, std::move(projector)), weights * sinogram, NoiseModel{unattenuated_std});
}

}  // namespace diffrecon::ct
