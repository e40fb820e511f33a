// Attenuation (1/mm) <-> Hounsfield units: HU = 1000 (mu - mu_water) / (mu_water - mu_air), and its
// inverse (the LoDoPaB/dival convention, reference ct.md section 5). mu_water ~ 0.0192/mm at a
// ~70 keV effective energy (0.02/mm in LoDoPaB); mu_air ~ 0.
#pragma once

#include <torch/types.h>

namespace diffrecon::ct {

constexpr double kDefaultMuWaterPerMm = 0.0192;

torch::Tensor attenuation_to_hounsfield(const torch::Tensor& mu, double mu_water_per_mm = kDefaultMuWaterPerMm,
                                        double mu_air_per_mm = 0.0);
torch::Tensor hounsfield_to_attenuation(const torch::Tensor& hu, double mu_water_per_mm = kDefaultMuWaterPerMm,
                                        double mu_air_per_mm = 0.0);

}  // namespace diffrecon::ct
