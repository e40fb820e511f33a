#include "priors/edm_denoiser.h"

#include <ATen/core/grad_mode.h>

#include <stdexcept>

namespace diffrecon {

EdmDenoiser::EdmDenoiser(UNet network, double sigma_data, bool channels_last_inference)
    : network_(std::move(network)), sigma_data_(sigma_data) {
  if (!(sigma_data > 0)) throw std::invalid_argument("EdmDenoiser: sigma_data must be positive");
  if (channels_last_inference) {
    inference_network_ = network_.clone();
    torch::NoGradGuard no_grad;
    for (auto& p : inference_network_->parameters()) {
      p.set_requires_grad(false);
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }
}

std::string EdmDenoiser::description() const {
  return "EDM U-Net denoiser (" + std::to_string(channels()) + " channels, " +
         std::to_string(network_.parameter_count()) + " parameters)";
}

torch::Tensor EdmDenoiser::apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const int64_t multiple = network_.config().size_multiple();
  const int64_t height = x.size(2), width = x.size(3);
  const int64_t pad_bottom = (multiple - height % multiple) % multiple, pad_right = (multiple - width % multiple) % multiple;
  const auto s = broadcast_sigma(sigma, x);
  const double sd2 = sigma_data_ * sigma_data_;
  const auto variance = s * s + sd2;
  const auto c_skip = sd2 / variance;
  const auto c_out = s * sigma_data_ / variance.sqrt();
  const auto c_in = variance.rsqrt();
  const auto c_noise = sigma.log() / 4;
  auto network_input = c_in * x;
  if (pad_bottom > 0 || pad_right > 0) {
    // Reflection needs the pad to be smaller than the image; replicate covers tiny images.
    const bool reflect = pad_bottom < height && pad_right < width;
    network_input = reflect ? torch::reflection_pad2d(network_input, {0, pad_right, 0, pad_bottom})
                            : torch::replication_pad2d(network_input, {0, pad_right, 0, pad_bottom});
  }
  const bool channels_last = inference_network_ && !at::GradMode::is_enabled();
  auto residual = channels_last
                      ? inference_network_->forward(network_input.contiguous(torch::MemoryFormat::ChannelsLast), c_noise)
                            .contiguous()
                      : network_.forward(network_input, c_noise);
  if (pad_bottom > 0 || pad_right > 0) residual = residual.narrow(2, 0, height).narrow(3, 0, width);
  return c_skip * x + c_out * residual;
}

}  // namespace diffrecon
