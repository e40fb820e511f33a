#include "core/problem.h"

#include "core/tensor_math.h"

#include <cmath>

namespace diffrecon {

torch::Tensor IntensityNormalization::normalize(const torch::Tensor& physical) const {
  return (physical - offset) / scale;
}

torch::Tensor IntensityNormalization::denormalize(const torch::Tensor& normalized) const {
  return normalized * scale + offset;
}

IntensityNormalization IntensityNormalization::from_percentile(const torch::Tensor& image, double percentile,
                                                               double target) {
  if (!(percentile >= 0 && percentile <= 100))
    throw std::invalid_argument("IntensityNormalization: percentile " + std::to_string(percentile) +
                                " is outside [0, 100]");
  if (!(target > 0)) throw std::invalid_argument("IntensityNormalization: target must be positive");
  if (image.numel() == 0) throw std::invalid_argument("IntensityNormalization: the image is empty");
  const double value = magnitude_percentile(image, percentile);
  if (!(value > 0) || !std::isfinite(value))
    throw std::invalid_argument("IntensityNormalization: the " + std::to_string(percentile) +
                                "th percentile of the image magnitude is " + std::to_string(value) +
                                "; cannot normalise an image that is zero there");
  return {value / target, 0.0};
}

Problem::Problem(OperatorPtr op, torch::Tensor measurement, NoiseModel noise)
    : op_(std::move(op)), measurement_(std::move(measurement)), noise_(noise) {
  if (!op_) throw std::invalid_argument("Problem: operator is null");
  if (!measurement_.defined()) throw std::invalid_argument("Problem: measurement is undefined");
  op_->check_range_element(measurement_, "Problem measurement");  // shape, field, device
  if (!torch::isfinite(measurement_).all().item<bool>())
    throw std::invalid_argument("Problem: the measurement contains NaN or infinite values");
  if (!(noise_.sigma >= 0) || !std::isfinite(noise_.sigma))
    throw std::invalid_argument("Problem: noise sigma must be finite and non-negative, got " +
                                std::to_string(noise_.sigma));
}

torch::Tensor Problem::residual(const torch::Tensor& x) const { return op_->forward(x) - measurement_; }

torch::Tensor Problem::negative_log_likelihood(const torch::Tensor& x) const {
  if (noise_.sigma == 0) throw std::invalid_argument("Problem: the likelihood needs a noise sigma > 0");
  auto r = residual(x);  // batch dims of x and y broadcast
  const auto range_ndim = static_cast<int64_t>(op_->range_shape().size());
  auto per_sample = squared_norm_per_sample(r, range_ndim).reshape(r.sizes().slice(0, r.dim() - range_ndim));
  return per_sample / (2 * noise_.component_variance(measurement_.is_complex()));
}

torch::Tensor Problem::log_likelihood_gradient(const torch::Tensor& x) const {
  if (noise_.sigma == 0) throw std::invalid_argument("Problem: the likelihood needs a noise sigma > 0");
  return op_->adjoint(residual(x)) * (-1.0 / noise_.component_variance(measurement_.is_complex()));
}

Problem Problem::normalized(const IntensityNormalization& normalization) const {
  if (!(normalization.scale > 0) || !std::isfinite(normalization.scale) || !std::isfinite(normalization.offset))
    throw std::invalid_argument("Problem: normalisation scale must be positive and finite");
  auto y = measurement_;
  if (normalization.offset != 0) {
    auto options = torch::TensorOptions().dtype(unknown_dtype()).device(measurement_.device());
    y = y - op_->forward(torch::full(op_->domain_shape(), normalization.offset, options));
  }
  Problem result(op_, y / normalization.scale, NoiseModel{noise_.sigma / normalization.scale});
  // x = s1 (s2 z + o2) + o1 = (s1 s2) z + (s1 o2 + o1)
  result.normalization_ = {normalization_.scale * normalization.scale,
                           normalization_.scale * normalization.offset + normalization_.offset};
  return result;
}

torch::Tensor Problem::simulate_measurement(const LinearOperator& op, const torch::Tensor& x, const NoiseModel& noise,
                                            SeededRandom& random) {
  auto clean = op.forward(x);
  if (noise.sigma == 0) return clean;
  return clean + random.normal_like(clean) * noise.sigma;
}

}  // namespace diffrecon
