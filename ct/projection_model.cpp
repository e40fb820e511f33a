#include "ct/projection_model.h"

#include "core/error.h"
#include "ct/photon_statistics.h"

#include <cmath>

namespace diffrecon::ct {

Problem measured_problem(OperatorPtr projector, const torch::Tensor& sinogram, const std::optional<double>& photons) {
  if (!photons) return Problem(std::move(projector), sinogram, NoiseModel{0.0});
  if (!(*photons > 0) || !std::isfinite(*photons))
    throw InputError("incident photons: expected a positive count, got " + std::to_string(*photons));
  return photon_weighted_problem(std::move(projector), sinogram, *photons);
}

torch::Tensor first_estimate(const torch::Tensor& sinogram, const CtGeometry& geometry,
                             const FilteredBackProjectionOptions& options) {
  return filtered_back_projection(sinogram, geometry.projection, geometry.image, options);
}

}  // namespace diffrecon::ct
