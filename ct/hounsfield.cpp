#include "ct/hounsfield.h"

#include <stdexcept>

namespace diffrecon::ct {
namespace {
void check(double mu_water, double mu_air) {
  if (!(mu_water > mu_air) || !(mu_air >= 0.0)) {
    throw std::invalid_argument("Hounsfield conversion needs mu_water > mu_air >= 0");
  }
}
}  // namespace

torch::Tensor attenuation_to_hounsfield(const torch::Tensor& mu, double mu_water, double mu_air) {
  check(mu_water, mu_air);
  return (mu - mu_water) * (1000.0 / (mu_water - mu_air));
}

torch::Tensor hounsfield_to_attenuation(const torch::Tensor& hu, double mu_water, double mu_air) {
  check(mu_water, mu_air);
  return mu_water + hu * ((mu_water - mu_air) / 1000.0);
}

}  // namespace diffrecon::ct
