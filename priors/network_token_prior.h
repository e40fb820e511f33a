// NetworkTokenPrior: the trained discrete prior of a "vq-diffusion" model card (diffrecon prior train
// --vq): the token denoiser (the built-in U-Net in token mode) and the VQ autoencoder's decoder and
// codebook (docs/priors.md, "Discrete prior").
//   log_denoise: log_softmax over K of U-Net(z_t as [B, Ht, Wt], c_noise = t / T),
//   decode:      Dec(ẑᵀ C), cropped to the image size.
// Any image size decodes: the grid is ceil(H / f) x ceil(W / f) tokens, rounded up to the token
// network's size multiple, and decoded images are cropped to H x W (the padding tokens see no data).
#pragma once

#include "priors/token_prior.h"
#include "priors/unet.h"
#include "priors/vq_autoencoder.h"

namespace diffrecon {

class NetworkTokenPrior final : public TokenPrior {
 public:
  // Throws InputError unless the network is in token mode for the autoencoder's K (K + 1 inputs, K
  // outputs) and the process has K classes.
  NetworkTokenPrior(UNet token_network, VqAutoencoder autoencoder, VqDiffusionProcess process);

  const VqDiffusionProcess& process() const override { return process_; }
  int64_t image_channels() const override { return autoencoder_.config().channels; }
  TokenGrid token_grid(int64_t height, int64_t width) const override;
  torch::Tensor log_denoise(const torch::Tensor& z_t, int64_t t, const TokenGrid& grid) const override;
  torch::Tensor decode(const torch::Tensor& soft_tokens, const TokenGrid& grid) const override;

  const VqAutoencoder& autoencoder() const { return autoencoder_; }

 private:
  UNet network_;
  VqAutoencoder autoencoder_;
  VqDiffusionProcess process_;
};

}  // namespace diffrecon
