#include "priors/denoiser.h"

#include <cmath>
#include <stdexcept>

namespace diffrecon {

torch::Tensor per_sample_sigma(const torch::Tensor& x, const torch::Tensor& sigma) {
  if (!x.defined() || x.dim() < 2) throw std::invalid_argument("denoiser input must be [B, Ch, ...]");
  auto values = sigma.to(x.device(), x.scalar_type());
  if (values.dim() == 0) values = values.expand({x.size(0)});
  if (values.dim() != 1 || values.size(0) != x.size(0))
    throw std::invalid_argument("denoiser sigma must be a scalar or one value per sample [" +
                                std::to_string(x.size(0)) + "]");
  if (!(values > 0).all().item<bool>() || !torch::isfinite(values).all().item<bool>())
    throw std::invalid_argument("denoiser sigma must be positive and finite");
  return values;
}

torch::Tensor broadcast_sigma(const torch::Tensor& sigma, const torch::Tensor& x) {
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[0] = sigma.size(0);
  return sigma.view(shape);
}

torch::Tensor Denoiser::denoise(const torch::Tensor& x, const torch::Tensor& sigma) const {
  if (!x.defined() || x.dim() != 4 || x.size(1) != channels())
    throw std::invalid_argument(description() + ": expected input [B, " + std::to_string(channels()) +
                                ", H, W], got " + (x.defined() ? c10::str(x.sizes()) : std::string("nothing")));
  if (x.is_complex()) throw std::invalid_argument(description() + ": input must be real (complex as 2 channels)");
  return apply_denoise(x, per_sample_sigma(x, sigma));
}

torch::Tensor Denoiser::denoise(const torch::Tensor& x, double sigma) const {
  return denoise(x, torch::tensor(sigma, torch::kFloat64));
}

torch::Tensor Denoiser::score(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const auto s = broadcast_sigma(per_sample_sigma(x, sigma), x);
  return (denoise(x, sigma) - x) / (s * s);
}

torch::Tensor Denoiser::epsilon(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const auto s = broadcast_sigma(per_sample_sigma(x, sigma), x);
  return (x - denoise(x, sigma)) / s;
}

torch::Tensor complex_to_channels(const torch::Tensor& image) {
  if (!image.is_complex()) throw std::invalid_argument("complex_to_channels: expected a complex image");
  return torch::stack({torch::real(image), torch::imag(image)}, -3);
}

torch::Tensor channels_to_complex(const torch::Tensor& channels) {
  if (channels.dim() < 3 || channels.size(-3) != 2)
    throw std::invalid_argument("channels_to_complex: expected [..., 2, H, W]");
  return torch::complex(channels.select(-3, 0), channels.select(-3, 1));
}

}  // namespace diffrecon
