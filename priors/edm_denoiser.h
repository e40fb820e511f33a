// The built-in prior: the U-Net wrapped in EDM preconditioning (Karras et al. 2022, Table 1):
//   D(x; sigma) = c_skip x + c_out F(c_in x, c_noise),
//   c_skip = sd^2 / (sigma^2 + sd^2), c_out = sigma sd / sqrt(sigma^2 + sd^2),
//   c_in = 1 / sqrt(sigma^2 + sd^2), c_noise = ln(sigma) / 4,
// with sd = sigma_data. Inputs of any size are reflect-padded to the network's multiple and cropped back.
#pragma once

#include "priors/denoiser.h"
#include "priors/unet.h"

#include <optional>

namespace diffrecon {

class EdmDenoiser final : public Denoiser {
 public:
  // channels_last_inference: passes without gradient run a copy of the network whose weights and
  // activations are channels-last, oneDNN's own layout on CPU (a 256 x 256 forward 23-27 % faster; a VJP
  // 17-22 % slower that way, so passes with gradient keep the standard layout: docs/benchmarks.md,
  // "Throughput"). The copy is made here, so the weights must not change afterwards (a loaded prior).
  EdmDenoiser(UNet network, double sigma_data, bool channels_last_inference = false);

  int64_t channels() const override { return network_.config().channels; }
  std::string description() const override;
  double sigma_data() const { return sigma_data_; }
  const UNet& network() const { return network_; }
  UNet& network() { return network_; }

 protected:
  torch::Tensor apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const override;

 private:
  UNet network_;
  std::optional<UNet> inference_network_;  // the channels-last copy, when asked for
  double sigma_data_;
};

}  // namespace diffrecon
