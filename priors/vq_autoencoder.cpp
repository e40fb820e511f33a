#include "priors/vq_autoencoder.h"

#include "core/error.h"
#include "priors/unet.h"

#include <torch/nn.h>
#include <torch/serialize.h>

#include <cmath>
#include <stdexcept>

namespace diffrecon {
namespace {

namespace nn = torch::nn;

// h = conv(SiLU(GN(conv(SiLU(GN(x)))))), out = (skip(x) + h) / sqrt(2): the U-Net's block without the
// noise conditioning (an autoencoder has none).
struct PlainResidualBlockImpl : nn::Module {
  PlainResidualBlockImpl(int64_t in, int64_t out) {
    norm1 = register_module("norm1", nn::GroupNorm(group_norm_groups(in), in));
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
    norm2 = register_module("norm2", nn::GroupNorm(group_norm_groups(out), out));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1)));
    if (in != out) skip = register_module("skip", nn::Conv2d(nn::Conv2dOptions(in, out, 1)));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const auto h = conv2(torch::silu(norm2(conv1(torch::silu(norm1(x))))));
    return ((skip ? skip(x) : x) + h) * M_SQRT1_2;
  }
  nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
};
TORCH_MODULE(PlainResidualBlock);

struct VqAutoencoderModule : nn::Module {
  explicit VqAutoencoderModule(const VqAutoencoderConfig& config) : levels(config.levels()) {
    const auto& w = config.widths;
    encoder_input = register_module("encoder_input", nn::Conv2d(nn::Conv2dOptions(config.channels, w[0], 3).padding(1)));
    encoder = register_module("encoder", nn::ModuleList());
    int64_t width = w[0];
    for (int64_t level = 0; level < levels; ++level) {
      for (int64_t block = 0; block < config.blocks_per_level; ++block) {
        encoder->push_back(PlainResidualBlock(width, w[level]));
        width = w[level];
      }
      if (level + 1 < levels) encoder->push_back(nn::Conv2d(nn::Conv2dOptions(width, width, 3).stride(2).padding(1)));
    }
    encoder_norm = register_module("encoder_norm", nn::GroupNorm(group_norm_groups(width), width));
    encoder_output = register_module("encoder_output", nn::Conv2d(nn::Conv2dOptions(width, config.code_dim, 1)));

    decoder_input = register_module("decoder_input", nn::Conv2d(nn::Conv2dOptions(config.code_dim, width, 3).padding(1)));
    decoder = register_module("decoder", nn::ModuleList());
    for (int64_t level = levels - 1; level >= 0; --level) {
      for (int64_t block = 0; block < config.blocks_per_level; ++block) {
        decoder->push_back(PlainResidualBlock(width, w[level]));
        width = w[level];
      }
      if (level > 0) decoder->push_back(nn::Conv2d(nn::Conv2dOptions(width, width, 3).padding(1)));
    }
    decoder_norm = register_module("decoder_norm", nn::GroupNorm(group_norm_groups(width), width));
    decoder_output = register_module("decoder_output", nn::Conv2d(nn::Conv2dOptions(width, config.channels, 3).padding(1)));
  }

  torch::Tensor encode(const torch::Tensor& x) {
    auto h = encoder_input(x);
    for (const auto& layer : *encoder)
      h = layer->as<PlainResidualBlock>() ? layer->as<PlainResidualBlock>()->forward(h) : layer->as<nn::Conv2d>()->forward(h);
    return encoder_output(torch::silu(encoder_norm(h)));
  }

  torch::Tensor decode(const torch::Tensor& z) {
    auto h = decoder_input(z);
    for (const auto& layer : *decoder) {
      if (auto* block = layer->as<PlainResidualBlock>()) {
        h = block->forward(h);
      } else {  // nearest-neighbour upsampling, then a convolution to smooth its blocks
        h = layer->as<nn::Conv2d>()->forward(torch::upsample_nearest2d(h, {{2 * h.size(2), 2 * h.size(3)}}));
      }
    }
    return decoder_output(torch::silu(decoder_norm(h)));
  }

  int64_t levels;
  nn::Conv2d encoder_input{nullptr}, encoder_output{nullptr}, decoder_input{nullptr}, decoder_output{nullptr};
  nn::ModuleList encoder{nullptr}, decoder{nullptr};
  nn::GroupNorm encoder_norm{nullptr}, decoder_norm{nullptr};
};

VqAutoencoderModule& autoencoder_module(const std::shared_ptr<nn::Module>& module) {
  return *std::dynamic_pointer_cast<VqAutoencoderModule>(module);
}

}  // namespace

void VqAutoencoderConfig::validate() const {
  if (channels < 1) throw std::invalid_argument("VQ autoencoder: channels must be >= 1");
  if (widths.empty() || widths.size() > 5) throw std::invalid_argument("VQ autoencoder: widths needs 1 to 5 levels");
  for (auto width : widths)
    if (width < 4) throw std::invalid_argument("VQ autoencoder: widths must be >= 4");
  if (blocks_per_level < 1) throw std::invalid_argument("VQ autoencoder: blocks_per_level must be >= 1");
  if (codebook_size < 2) throw std::invalid_argument("VQ autoencoder: the codebook needs >= 2 entries");
  if (code_dim < 1) throw std::invalid_argument("VQ autoencoder: code_dim must be >= 1");
}

VqAutoencoder::VqAutoencoder(const VqAutoencoderConfig& config) : config_(config) {
  config_.validate();
  module_ = std::make_shared<VqAutoencoderModule>(config_);
  codebook_ = torch::randn({config_.codebook_size, config_.code_dim});
}

torch::Tensor VqAutoencoder::encode(const torch::Tensor& images) const {
  const int64_t f = config_.downsampling();
  if (images.dim() != 4 || images.size(1) != config_.channels || images.size(2) % f != 0 || images.size(3) % f != 0)
    throw std::invalid_argument("VQ autoencoder: expected images [B, " + std::to_string(config_.channels) +
                                ", H, W] with H, W multiples of " + std::to_string(f) + ", got " + c10::str(images.sizes()));
  return autoencoder_module(module_).encode(images);
}

torch::Tensor VqAutoencoder::quantise(const torch::Tensor& features) const {
  torch::NoGradGuard no_grad;
  const int64_t batch = features.size(0), d = config_.code_dim;
  const auto flat = features.detach().permute({0, 2, 3, 1}).reshape({-1, d});
  const auto codebook = codebook_.to(flat.options());
  // |z - e|^2 = |z|^2 - 2 z.e + |e|^2; |z|^2 does not change the nearest e.
  const auto distance = codebook.pow(2).sum(1).unsqueeze(0) - 2.0 * torch::mm(flat, codebook.t());
  return distance.argmin(1).view({batch, -1});
}

torch::Tensor VqAutoencoder::lookup(const torch::Tensor& tokens, const TokenGrid& grid) const {
  const auto codebook = codebook_.to(tokens.device());
  return codebook.index_select(0, tokens.reshape(-1))
      .view({tokens.size(0), grid.height, grid.width, config_.code_dim})
      .permute({0, 3, 1, 2})
      .contiguous();
}

torch::Tensor VqAutoencoder::embed(const torch::Tensor& soft_tokens, const TokenGrid& grid) const {
  const auto codebook = codebook_.to(soft_tokens.options());
  // [B, K, L] -> [B, d, L]: each grid cell's expected codebook vector.
  return torch::matmul(codebook.t(), soft_tokens).view({soft_tokens.size(0), config_.code_dim, grid.height, grid.width});
}

torch::Tensor VqAutoencoder::decode(const torch::Tensor& features) const {
  return autoencoder_module(module_).decode(features);
}

torch::Tensor VqAutoencoder::reconstruct(const torch::Tensor& images) const {
  const auto tokens = quantise(encode(images));
  const TokenGrid grid{images.size(2) / config_.downsampling(), images.size(3) / config_.downsampling()};
  return decode(lookup(tokens, grid));
}

void VqAutoencoder::set_codebook(torch::Tensor codebook) {
  if (codebook.dim() != 2 || codebook.size(0) != config_.codebook_size || codebook.size(1) != config_.code_dim)
    throw std::invalid_argument("VQ autoencoder: the codebook must be [" + std::to_string(config_.codebook_size) + ", " +
                                std::to_string(config_.code_dim) + "], got " + c10::str(codebook.sizes()));
  codebook_ = codebook.to(torch::kFloat32).contiguous();
}

std::vector<torch::Tensor> VqAutoencoder::parameters() const { return module_->parameters(); }

int64_t VqAutoencoder::parameter_count() const {
  int64_t count = 0;
  for (const auto& p : module_->parameters()) count += p.numel();
  return count;
}

VqAutoencoder VqAutoencoder::clone() const {
  VqAutoencoder copy(config_);
  torch::NoGradGuard no_grad;
  auto target = copy.module_->named_parameters();
  for (const auto& parameter : module_->named_parameters()) target[parameter.key()].copy_(parameter.value());
  copy.module_->to(module_->parameters().front().device());
  copy.module_->train(module_->is_training());
  copy.codebook_ = codebook_.clone();
  return copy;
}

void VqAutoencoder::to(torch::Device device) {
  module_->to(device);
  codebook_ = codebook_.to(device);
}

void VqAutoencoder::set_training(bool training) { module_->train(training); }

std::vector<std::vector<int64_t>> VqAutoencoder::parameter_shapes() const {
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& p : module_->parameters()) shapes.push_back(p.sizes().vec());
  return shapes;
}

void VqAutoencoder::save(const std::filesystem::path& weights, const std::filesystem::path& codebook) const {
  torch::serialize::OutputArchive archive;
  module_->save(archive);
  archive.save_to(weights.string());
  torch::serialize::OutputArchive codes;
  codes.write("codebook", codebook_.cpu());
  codes.save_to(codebook.string());
}

void VqAutoencoder::load(const std::filesystem::path& weights, const std::filesystem::path& codebook,
                         torch::Device device) {
  const auto expected = parameter_shapes();
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(weights.string(), device);
    module_->load(archive);
  } catch (const c10::Error& error) {
    throw InputError("VQ autoencoder weights '" + weights.string() + "' do not load: " + error.what_without_backtrace());
  }
  if (parameter_shapes() != expected)
    throw InputError("VQ autoencoder weights '" + weights.string() + "' do not fit the configuration in the model card");
  torch::Tensor codes;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(codebook.string(), device);
    archive.read("codebook", codes);
  } catch (const c10::Error& error) {
    throw InputError("codebook '" + codebook.string() + "' does not load: " + error.what_without_backtrace());
  }
  if (codes.dim() != 2 || codes.size(0) != config_.codebook_size || codes.size(1) != config_.code_dim)
    throw InputError("codebook '" + codebook.string() + "' is " + c10::str(codes.sizes()) + " but the model card says [" +
                     std::to_string(config_.codebook_size) + ", " + std::to_string(config_.code_dim) + "]");
  codebook_ = codes.to(torch::kFloat32).contiguous();
}

std::shared_ptr<nn::Module> VqAutoencoder::module() const { return module_; }

}  // namespace diffrecon
