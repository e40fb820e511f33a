#include "samplers/data_term.h"

#include <limits>

#include "core/tensor_math.h"

namespace diffrecon {

torch::Tensor GaussianDataTerm::residual(const torch::Tensor& z) const { return problem_.residual(z); }

torch::Tensor GaussianDataTerm::residual_norm(const torch::Tensor& residual) const {
  const auto range_ndim = static_cast<int64_t>(problem_.problem().op().range_shape().size());
  // Clamped away from 0 so that a zero residual (no data, or a perfect fit) has gradient 0, not NaN
  // (d sqrt(s) / ds is infinite at 0): DPS and G2D2 differentiate this norm.
  return squared_norm_per_sample(residual, range_ndim)
      .reshape({residual.size(0)})
      .clamp_min(std::numeric_limits<float>::min())
      .sqrt();
}

torch::Tensor GaussianDataTerm::misfit(const torch::Tensor& residual) const {
  return 0.5 * (torch::is_complex(residual) ? torch::view_as_real(residual) : residual).square().sum();
}

torch::Tensor GaussianDataTerm::misfit_gradient(const torch::Tensor& z) const {
  return problem_.adjoint_to_prior(problem_.residual(z));
}

std::unique_ptr<const DataTerm> make_data_term(const PosteriorProblem& problem) {
  return std::make_unique<GaussianDataTerm>(problem);
}

}  // namespace diffrecon
