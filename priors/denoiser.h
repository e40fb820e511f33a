// The prior interface: a denoiser D(x, sigma) in EDM form (Karras et al. 2022), x = x0 + sigma n on real
// tensors [B, Ch, H, W]. Score and epsilon follow from Tweedie's formula, D = x + sigma^2 score, so every
// sampler can use whichever form its paper writes. Complex images enter as 2 channels (real, imaginary).
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>

namespace diffrecon {

class Denoiser {
 public:
  virtual ~Denoiser() = default;

  // E[x0 | x0 + sigma n = x]. `sigma` is a scalar tensor or one value per sample [B]. Differentiable in
  // x (samplers such as DPS backpropagate through it) unless called under a no-grad guard.
  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma) const;
  torch::Tensor denoise(const torch::Tensor& x, double sigma) const;

  // grad log p_sigma(x) = (D(x, sigma) - x) / sigma^2.
  torch::Tensor score(const torch::Tensor& x, const torch::Tensor& sigma) const;
  // The noise the denoiser removes: (x - D(x, sigma)) / sigma, i.e. -sigma * score.
  torch::Tensor epsilon(const torch::Tensor& x, const torch::Tensor& sigma) const;

  // Channels the prior expects (1: real images, 2: complex images as real and imaginary parts).
  virtual int64_t channels() const = 0;
  virtual std::string description() const = 0;

 protected:
  // `sigma` arrives as [B] (one per sample, positive). Inputs have already been checked.
  virtual torch::Tensor apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const = 0;
};

using DenoiserPtr = std::shared_ptr<const Denoiser>;

// sigma as one value per sample [B], on x's device and dtype; throws if it is not positive and finite.
torch::Tensor per_sample_sigma(const torch::Tensor& x, const torch::Tensor& sigma);
// sigma [B] viewed as [B, 1, ..., 1] to broadcast against x.
torch::Tensor broadcast_sigma(const torch::Tensor& sigma, const torch::Tensor& x);

// Complex images [..., H, W] <-> real channel stacks [..., 2, H, W] (real, imaginary), as priors see them.
torch::Tensor complex_to_channels(const torch::Tensor& image);
torch::Tensor channels_to_complex(const torch::Tensor& channels);

}  // namespace diffrecon
