// The CT conventions every reconstruction of a measured sinogram shares (classical and posterior):
// the data term, photon-weighted when the incident photon count is known (ct/photon_statistics.h),
// otherwise one unknown noise level for every ray; and the first estimate (FBP) that sets a
// posterior method's intensity normalisation and starts TV.
#pragma once

#include "core/problem.h"
#include "ct/filtered_back_projection.h"
#include "ct/geometry_json.h"

#include <optional>

namespace diffrecon::ct {

// `sinogram` [views, detectors] (or a stack [slices, views, detectors]) measured with `projector`.
// InputError unless the photon count is positive and finite.
Problem measured_problem(OperatorPtr projector, const torch::Tensor& sinogram, const std::optional<double>& photons);

// FBP of the sinogram with `options` on the geometry's image grid.
torch::Tensor first_estimate(const torch::Tensor& sinogram, const CtGeometry& geometry,
                             const FilteredBackProjectionOptions& options = {});

}  // namespace diffrecon::ct
