// TokenPrior: a discrete (VQ) image prior, what G2D2 samples with (docs/priors.md, "Discrete prior").
// Two networks and a codebook behind one interface, as a Denoiser is one for the continuous samplers:
//   - the token denoiser p(z0 | z_t) over a token grid under the VQ-Diffusion process, and
//   - the decoder from relaxed tokens to images: Dec(ẑᵀ C), ẑ [B, K, L] rows of class probabilities,
//     C the K x d codebook, differentiable in ẑ (G2D2 backpropagates its data term through it).
// Tokens are [B, L] (int64, class K the mask) and class distributions [B, K(+1), L], L = Ht Wt the
// grid read row by row. The grid follows from the image size (the autoencoder's downsampling factor).
#pragma once

#include "priors/vq_diffusion_process.h"

#include <torch/types.h>

#include <cstdint>
#include <memory>

namespace diffrecon {

struct TokenGrid {
  int64_t height = 0, width = 0;
  // The image the grid decodes to, when smaller than the grid's own pixels (a network prior pads an
  // image to whole tokens and crops its decoded images back); 0: the grid's own size.
  int64_t image_height = 0, image_width = 0;
  int64_t tokens() const { return height * width; }
};

class TokenPrior {
 public:
  virtual ~TokenPrior() = default;

  virtual const VqDiffusionProcess& process() const = 0;
  int64_t classes() const { return process().classes(); }
  // Channels of the decoded images (1 real, 2 complex as real and imaginary).
  virtual int64_t image_channels() const = 0;
  // The token grid of an image of height x width; throws InputError when the prior cannot decode
  // that size (not a multiple of its downsampling factor, or another grid than a fixed one).
  virtual TokenGrid token_grid(int64_t height, int64_t width) const = 0;

  // log p(z0 | z_t) [B, K, L], normalised over the K token classes, for tokens z_t [B, L] at time t
  // in 0..T-1. Not differentiated (G2D2 never backpropagates through the denoiser).
  virtual torch::Tensor log_denoise(const torch::Tensor& z_t, int64_t t, const TokenGrid& grid) const = 0;
  // Images [B, Ch, H, W] from relaxed tokens [B, K, L] (one-hot: the codebook lookup), differentiable.
  virtual torch::Tensor decode(const torch::Tensor& soft_tokens, const TokenGrid& grid) const = 0;
};

using TokenPriorPtr = std::shared_ptr<const TokenPrior>;

}  // namespace diffrecon
