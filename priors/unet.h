// The built-in network: a fully convolutional U-Net F(x, c_noise) with noise-level conditioning
// (sinusoidal embedding -> MLP -> per-block scale and shift), GroupNorm + SiLU residual blocks, average-
// pool down and nearest-neighbour up sampling, skip connections by concatenation. Convolutional, so it
// trains on patches and runs on any image size (EdmDenoiser pads to a multiple of 2^(levels-1)).
// The torch::nn details stay in unet.cpp: this header only needs tensors.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace diffrecon {

// GroupNorm groups of a layer with `channels` features: the largest of 8, 4, 2 dividing it, else 1
// (the built-in U-Net's and the VQ autoencoder's blocks).
int64_t group_norm_groups(int64_t channels);

struct UNetConfig {
  int64_t channels = 1;                      // image channels in and out
  int64_t base_width = 32;                   // feature channels at full resolution
  std::vector<int64_t> width_multipliers{1, 2, 2, 2};  // one per resolution level
  int64_t blocks_per_level = 1;              // residual blocks per level (encoder; decoder has one more)
  bool coordinate_channels = false;          // append normalised (y, x) coordinates to the input
  // Token input (the discrete prior's denoiser): > 0 means the input is int64 tokens [B, H, W] in
  // 0..input_classes-1, each embedded as `channels` learned features before the first convolution.
  int64_t input_classes = 0;
  int64_t output_channels = 0;               // 0: the same as `channels`

  int64_t outputs() const { return output_channels > 0 ? output_channels : channels; }

  int64_t levels() const { return static_cast<int64_t>(width_multipliers.size()); }
  // Input sizes must be divisible by this (2^(levels-1)).
  int64_t size_multiple() const { return int64_t{1} << (levels() - 1); }
  void validate() const;  // throws std::invalid_argument naming the bad field
};

// One convolution of a forward pass: its channels, kernel size, and the resolution level it runs at
// (its input is the network's input size / 2^level).
struct ConvolutionLayer {
  int64_t in_channels = 0, out_channels = 0, kernel = 0, level = 0;
  // Floating-point operations (two per multiply-add, bias not counted) on `batch` images of height x width.
  double flops(int64_t batch, int64_t height, int64_t width) const;
};

class UNet {
 public:
  explicit UNet(const UNetConfig& config);

  const UNetConfig& config() const { return config_; }
  // x [B, channels, H, W] (token input: int64 [B, H, W]) with H, W multiples of size_multiple(); c_noise [B].
  // Returns [B, outputs(), H, W].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c_noise) const;

  // Every convolution one forward pass runs, in order, and their operations for a batch of `batch`
  // images (docs/benchmarks.md, "Throughput": the network's GFLOP/s and the peak of its own layer shapes).
  std::vector<ConvolutionLayer> convolution_layers() const;
  double convolution_flops(int64_t batch, int64_t height, int64_t width) const;

  std::vector<torch::Tensor> parameters() const;
  int64_t parameter_count() const;
  // A deep copy (for EMA weights).
  UNet clone() const;
  void to(torch::Device device);
  torch::Device parameter_device() const;
  void set_training(bool training);
  // Throws std::runtime_error if the parameters' shapes differ from `expected` (after loading weights,
  // which LibTorch copies by name without checking shapes).
  void check_parameter_shapes(const std::vector<std::vector<int64_t>>& expected, const std::string& source) const;
  std::vector<std::vector<int64_t>> parameter_shapes() const;
  // Weights in LibTorch's archive format; load checks that they fit this network.
  void save(const std::filesystem::path& path) const;
  void load(const std::filesystem::path& path, torch::Device device = torch::kCPU);
  std::shared_ptr<torch::nn::Module> module() const;

 private:
  UNetConfig config_;
  std::shared_ptr<torch::nn::Module> module_;
};

}  // namespace diffrecon
