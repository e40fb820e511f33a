// The VQ autoencoder of the discrete prior (docs/priors.md, "Discrete prior"): a fully convolutional
// encoder to d-dimensional features on a grid f times coarser than the image (f = 2^(levels-1)), the
// nearest of K codebook vectors per grid cell (the tokens), and a decoder back to the image. No
// attention, GroupNorm + SiLU residual blocks, strided-convolution down and nearest-neighbour up
// sampling (the CPU-sized design of ../shared/reference/g2d2.md section 4.1).
// The codebook is a plain [K, d] tensor beside the networks: the trainer moves it by EMA (VqTrainer),
// G2D2 relaxes tokens through it (soft tokens ẑ [B, K, L] decode as Dec(ẑᵀ C)).
// The torch::nn details stay in vq_autoencoder.cpp.
#pragma once

#include "priors/token_prior.h"

#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace diffrecon {

struct VqAutoencoderConfig {
  int64_t channels = 1;                 // image channels (2: a complex image as real, imaginary)
  std::vector<int64_t> widths{16, 32, 64};  // feature channels per resolution level
  int64_t blocks_per_level = 1;         // residual blocks per level, in the encoder and the decoder
  int64_t codebook_size = 512;          // K
  int64_t code_dim = 4;                 // d

  int64_t levels() const { return static_cast<int64_t>(widths.size()); }
  // Image pixels per token along each axis (f).
  int64_t downsampling() const { return int64_t{1} << (levels() - 1); }
  void validate() const;  // throws std::invalid_argument naming the bad field
};

class VqAutoencoder {
 public:
  explicit VqAutoencoder(const VqAutoencoderConfig& config);

  const VqAutoencoderConfig& config() const { return config_; }
  // Features z_e [B, d, H/f, W/f] of images [B, channels, H, W] (H, W multiples of f).
  torch::Tensor encode(const torch::Tensor& images) const;
  // The nearest codebook entry of every feature vector: tokens [B, L], L = (H/f)(W/f) row by row.
  torch::Tensor quantise(const torch::Tensor& features) const;
  // Codebook vectors of tokens [B, L] laid out as features [B, d, grid.height, grid.width].
  torch::Tensor lookup(const torch::Tensor& tokens, const TokenGrid& grid) const;
  // Relaxed tokens [B, K, L] (rows of class probabilities) as features ẑᵀ C [B, d, Ht, Wt].
  torch::Tensor embed(const torch::Tensor& soft_tokens, const TokenGrid& grid) const;
  // Images [B, channels, f Ht, f Wt] from features [B, d, Ht, Wt].
  torch::Tensor decode(const torch::Tensor& features) const;
  // Dec(Q(Enc(x))): the best a prior over these tokens can reproduce x (the decoder ceiling).
  torch::Tensor reconstruct(const torch::Tensor& images) const;

  const torch::Tensor& codebook() const { return codebook_; }  // [K, d], float32
  void set_codebook(torch::Tensor codebook);                  // shape-checked

  std::vector<torch::Tensor> parameters() const;
  int64_t parameter_count() const;
  VqAutoencoder clone() const;  // a deep copy, codebook included
  void to(torch::Device device);
  void set_training(bool training);
  std::vector<std::vector<int64_t>> parameter_shapes() const;
  // Encoder and decoder weights in LibTorch's archive format; the codebook in a file of its own.
  void save(const std::filesystem::path& weights, const std::filesystem::path& codebook) const;
  // Checks that the weights and the codebook fit this configuration, naming the file that does not.
  void load(const std::filesystem::path& weights, const std::filesystem::path& codebook,
            torch::Device device = torch::kCPU);
  std::shared_ptr<torch::nn::Module> module() const;

 private:
  VqAutoencoderConfig config_;
  std::shared_ptr<torch::nn::Module> module_;
  torch::Tensor codebook_;
};

}  // namespace diffrecon
