#include "priors/unet.h"

#include <torch/nn.h>
#include <torch/serialize.h>

#include <cmath>
#include <stdexcept>

namespace diffrecon {

int64_t group_norm_groups(int64_t channels) {
  for (int64_t groups : {8, 4, 2})
    if (channels % groups == 0) return groups;
  return 1;
}

namespace {

namespace nn = torch::nn;

// Residual block with FiLM conditioning on the noise embedding (as in EDM's DDPM++ blocks):
// h = conv(SiLU(GN(x))); h = conv(SiLU(GN(h) * (1 + scale) + shift)); out = (skip(x) + h) / sqrt(2).
struct ResidualBlockImpl : nn::Module {
  ResidualBlockImpl(int64_t in_channels, int64_t out_channels, int64_t embedding_width)
      : in(in_channels), out(out_channels), embedding(embedding_width) {
    norm1 = register_module("norm1", nn::GroupNorm(group_norm_groups(in), in));
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
    affine = register_module("affine", nn::Linear(embedding, 2 * out));
    norm2 = register_module("norm2", nn::GroupNorm(group_norm_groups(out), out));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1)));
    if (in != out) skip = register_module("skip", nn::Conv2d(nn::Conv2dOptions(in, out, 1)));
    torch::NoGradGuard no_grad;
    conv2->weight.mul_(1e-5);  // start near the identity map
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& noise_embedding) {
    auto h = conv1(torch::silu(norm1(x)));
    auto params = affine(noise_embedding).unsqueeze(-1).unsqueeze(-1).chunk(2, 1);
    h = conv2(torch::silu(norm2(h) * (params[0] + 1) + params[1]));
    return ((skip ? skip(x) : x) + h) * M_SQRT1_2;
  }
  int64_t in, out, embedding;
  nn::GroupNorm norm1{nullptr};
  nn::Conv2d conv1{nullptr};
  nn::Linear affine{nullptr};
  nn::GroupNorm norm2{nullptr};
  nn::Conv2d conv2{nullptr};
  nn::Conv2d skip{nullptr};
};
TORCH_MODULE(ResidualBlock);

struct UNetModule : nn::Module {
  explicit UNetModule(UNetConfig config_in) : config(std::move(config_in)) { build(); }

  void build() {
    const int64_t base = config.base_width, embedding = 4 * base;
    const int64_t in_channels = config.channels + (config.coordinate_channels ? 2 : 0);
    embed1 = register_module("embed1", nn::Linear(base, embedding));
    embed2 = register_module("embed2", nn::Linear(embedding, embedding));
    if (config.input_classes > 0)
      token_embedding = register_module("token_embedding", nn::Embedding(config.input_classes, config.channels));
    input = register_module("input", nn::Conv2d(nn::Conv2dOptions(in_channels, base, 3).padding(1)));
    encoder = register_module("encoder", nn::ModuleList());
    decoder = register_module("decoder", nn::ModuleList());
    std::vector<int64_t> skip_widths{base};
    int64_t width = base;
    for (int64_t level = 0; level < config.levels(); ++level) {
      if (level > 0) skip_widths.push_back(width);  // the downsampled features are a skip too
      const int64_t level_width = base * config.width_multipliers[level];
      for (int64_t block = 0; block < config.blocks_per_level; ++block) {
        encoder->push_back(ResidualBlock(width, level_width, embedding));
        width = level_width;
        skip_widths.push_back(width);
      }
    }
    middle1 = register_module("middle1", ResidualBlock(width, width, embedding));
    middle2 = register_module("middle2", ResidualBlock(width, width, embedding));
    for (int64_t level = config.levels() - 1; level >= 0; --level) {
      const int64_t level_width = base * config.width_multipliers[level];
      for (int64_t block = 0; block <= config.blocks_per_level; ++block) {
        decoder->push_back(ResidualBlock(width + skip_widths.back(), level_width, embedding));
        skip_widths.pop_back();
        width = level_width;
      }
    }
    output_norm = register_module("output_norm", nn::GroupNorm(group_norm_groups(width), width));
    output = register_module("output", nn::Conv2d(nn::Conv2dOptions(width, config.outputs(), 3).padding(1)));
    torch::NoGradGuard no_grad;
    output->weight.zero_();
    output->bias.zero_();
  }

  // Sinusoidal features of c_noise (Vaswani et al. 2017 / EDM's positional embedding), then an MLP.
  torch::Tensor embed(const torch::Tensor& c_noise, torch::ScalarType dtype) {
    const int64_t half = config.base_width / 2;
    auto frequencies = torch::exp(-std::log(10000.0) * torch::arange(half, c_noise.options()) / half);
    auto angles = c_noise.unsqueeze(1) * frequencies.unsqueeze(0) * 1000.0 / 4.0;
    auto features = torch::cat({torch::cos(angles), torch::sin(angles)}, 1).to(dtype);
    return torch::silu(embed2(torch::silu(embed1(features))));
  }

  torch::Tensor forward(torch::Tensor x, const torch::Tensor& c_noise) {
    if (token_embedding) x = token_embedding(x).permute({0, 3, 1, 2});
    const auto embedding = embed(c_noise, x.scalar_type());
    if (config.coordinate_channels) {
      const int64_t height = x.size(2), width = x.size(3);
      auto y_axis = torch::linspace(-1, 1, height, x.options()).view({1, 1, height, 1}).expand({x.size(0), 1, height, width});
      auto x_axis = torch::linspace(-1, 1, width, x.options()).view({1, 1, 1, width}).expand({x.size(0), 1, height, width});
      x = torch::cat({x, y_axis, x_axis}, 1);
    }
    std::vector<torch::Tensor> skips{input(x)};
    auto h = skips.back();
    size_t block_index = 0;
    for (int64_t level = 0; level < config.levels(); ++level) {
      if (level > 0) {
        h = torch::avg_pool2d(h, 2);
        skips.push_back(h);
      }
      for (int64_t block = 0; block < config.blocks_per_level; ++block) {
        h = encoder[block_index++]->as<ResidualBlock>()->forward(h, embedding);
        skips.push_back(h);
      }
    }
    h = middle2(middle1(h, embedding), embedding);
    block_index = 0;
    for (int64_t level = config.levels() - 1; level >= 0; --level) {
      for (int64_t block = 0; block <= config.blocks_per_level; ++block) {
        auto skip = skips.back();
        skips.pop_back();
        if (skip.size(2) != h.size(2)) h = torch::upsample_nearest2d(h, {skip.size(2), skip.size(3)});
        h = decoder[block_index++]->as<ResidualBlock>()->forward(torch::cat({h, skip}, 1), embedding);
      }
    }
    return output(torch::silu(output_norm(h)));
  }

  // The convolutions forward() runs, in its order.
  std::vector<ConvolutionLayer> convolution_layers() {
    std::vector<ConvolutionLayer> layers;
    auto add = [&](const nn::Conv2d& conv, int64_t level) {
      const auto& o = conv->options;
      layers.push_back({o.in_channels(), o.out_channels(), o.kernel_size()->at(0), level});
    };
    auto add_block = [&](const ResidualBlockImpl& block, int64_t level) {
      add(block.conv1, level);
      add(block.conv2, level);
      if (block.skip) add(block.skip, level);
    };
    add(input, 0);
    size_t index = 0;
    for (int64_t level = 0; level < config.levels(); ++level)
      for (int64_t block = 0; block < config.blocks_per_level; ++block)
        add_block(*encoder[index++]->as<ResidualBlock>(), level);
    add_block(*middle1, config.levels() - 1);
    add_block(*middle2, config.levels() - 1);
    index = 0;
    for (int64_t level = config.levels() - 1; level >= 0; --level)
      for (int64_t block = 0; block <= config.blocks_per_level; ++block)
        add_block(*decoder[index++]->as<ResidualBlock>(), level);
    add(output, 0);
    return layers;
  }

  UNetConfig config;
  nn::Embedding token_embedding{nullptr};
  nn::Linear embed1{nullptr}, embed2{nullptr};
  nn::Conv2d input{nullptr}, output{nullptr};
  nn::ModuleList encoder{nullptr}, decoder{nullptr};
  ResidualBlock middle1{nullptr}, middle2{nullptr};
  nn::GroupNorm output_norm{nullptr};
};

UNetModule& unet_module(const std::shared_ptr<nn::Module>& module) { return *std::dynamic_pointer_cast<UNetModule>(module); }

}  // namespace

void UNetConfig::validate() const {
  if (channels < 1) throw std::invalid_argument("UNet: channels must be >= 1");
  if (base_width < 8 || base_width % 2 != 0) throw std::invalid_argument("UNet: base_width must be even and >= 8");
  if (width_multipliers.empty() || width_multipliers.size() > 6)
    throw std::invalid_argument("UNet: width_multipliers needs 1 to 6 levels");
  for (auto multiplier : width_multipliers)
    if (multiplier < 1) throw std::invalid_argument("UNet: width multipliers must be >= 1");
  if (blocks_per_level < 1) throw std::invalid_argument("UNet: blocks_per_level must be >= 1");
  if (input_classes < 0 || output_channels < 0)
    throw std::invalid_argument("UNet: input_classes and output_channels must be >= 0");
}

UNet::UNet(const UNetConfig& config) : config_(config) {
  config_.validate();
  module_ = std::make_shared<UNetModule>(config_);
}


torch::Tensor UNet::forward(const torch::Tensor& x, const torch::Tensor& c_noise) const {
  const int64_t multiple = config_.size_multiple();
  if (config_.input_classes > 0) {
    if (x.dim() != 3 || x.scalar_type() != torch::kInt64 || x.size(1) % multiple != 0 || x.size(2) % multiple != 0)
      throw std::invalid_argument("UNet: expected int64 tokens [B, H, W] with H, W multiples of " + std::to_string(multiple) +
                                  ", got " + c10::str(x.sizes()));
  } else if (x.dim() != 4 || x.size(1) != config_.channels || x.size(2) % multiple != 0 || x.size(3) % multiple != 0) {
    throw std::invalid_argument("UNet: expected [B, " + std::to_string(config_.channels) + ", H, W] with H, W multiples of " +
                                std::to_string(multiple) + ", got " + c10::str(x.sizes()));
  }
  return unet_module(module_).forward(x, c_noise);
}

double ConvolutionLayer::flops(int64_t batch, int64_t height, int64_t width) const {
  const double pixels = static_cast<double>(height >> level) * static_cast<double>(width >> level);
  return 2.0 * static_cast<double>(batch * in_channels * out_channels * kernel * kernel) * pixels;
}

std::vector<ConvolutionLayer> UNet::convolution_layers() const { return unet_module(module_).convolution_layers(); }

double UNet::convolution_flops(int64_t batch, int64_t height, int64_t width) const {
  double total = 0;
  for (const auto& layer : convolution_layers()) total += layer.flops(batch, height, width);
  return total;
}

std::vector<torch::Tensor> UNet::parameters() const { return module_->parameters(); }

int64_t UNet::parameter_count() const {
  int64_t count = 0;
  for (const auto& p : module_->parameters()) count += p.numel();
  return count;
}

UNet UNet::clone() const {
  // A fresh network of the same shape, then a copy of every parameter and buffer (by name).
  UNet copy(config_);
  torch::NoGradGuard no_grad;
  auto target = copy.module_->named_parameters();
  for (const auto& parameter : module_->named_parameters()) target[parameter.key()].copy_(parameter.value());
  auto target_buffers = copy.module_->named_buffers();
  for (const auto& buffer : module_->named_buffers()) target_buffers[buffer.key()].copy_(buffer.value());
  copy.module_->to(parameter_device());
  copy.module_->train(module_->is_training());
  return copy;
}

torch::Device UNet::parameter_device() const { return module_->parameters().front().device(); }

void UNet::to(torch::Device device) { module_->to(device); }

void UNet::set_training(bool training) { module_->train(training); }

void UNet::save(const std::filesystem::path& path) const {
  torch::serialize::OutputArchive archive;
  module_->save(archive);
  archive.save_to(path.string());
}

void UNet::load(const std::filesystem::path& path, torch::Device device) {
  const auto expected = parameter_shapes();
  torch::serialize::InputArchive archive;
  archive.load_from(path.string(), device);
  module_->load(archive);
  check_parameter_shapes(expected, path.string());
}

std::vector<std::vector<int64_t>> UNet::parameter_shapes() const {
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& p : module_->parameters()) shapes.push_back(p.sizes().vec());
  return shapes;
}

void UNet::check_parameter_shapes(const std::vector<std::vector<int64_t>>& expected, const std::string& source) const {
  const auto actual = parameter_shapes();
  if (actual.size() != expected.size())
    throw std::runtime_error("weights from '" + source + "' have " + std::to_string(actual.size()) +
                             " parameters but the network has " + std::to_string(expected.size()));
  for (size_t i = 0; i < actual.size(); ++i)
    if (actual[i] != expected[i])
      throw std::runtime_error("weights from '" + source + "' do not fit the network: parameter " + std::to_string(i) +
                               " is " + c10::str(actual[i]) + " but the configuration needs " + c10::str(expected[i]));
}

std::shared_ptr<nn::Module> UNet::module() const { return module_; }

}  // namespace diffrecon
