#include "priors/network_token_prior.h"

#include "core/error.h"

#include <torch/torch.h>

namespace diffrecon {
namespace {

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

NetworkTokenPrior::NetworkTokenPrior(UNet token_network, VqAutoencoder autoencoder, VqDiffusionProcess process)
    : network_(std::move(token_network)), autoencoder_(std::move(autoencoder)), process_(std::move(process)) {
  const int64_t K = autoencoder_.config().codebook_size;
  const auto& config = network_.config();
  if (config.input_classes != K + 1 || config.outputs() != K || process_.classes() != K)
    throw InputError("token prior: the token network takes " + std::to_string(config.input_classes) +
                     " classes and predicts " + std::to_string(config.outputs()) + ", the process has " +
                     std::to_string(process_.classes()) + ", but the codebook has " + std::to_string(K) +
                     " entries (expected K + 1, K and K)");
  network_.set_training(false);
  autoencoder_.set_training(false);
  for (auto& p : network_.parameters()) p.set_requires_grad(false);
  for (auto& p : autoencoder_.parameters()) p.set_requires_grad(false);
}

TokenGrid NetworkTokenPrior::token_grid(int64_t height, int64_t width) const {
  if (height < 1 || width < 1)
    throw InputError("token prior: images must have a size, got " + std::to_string(height) + " x " +
                     std::to_string(width));
  const int64_t f = autoencoder_.config().downsampling(), multiple = network_.config().size_multiple();
  TokenGrid grid;
  grid.height = round_up((height + f - 1) / f, multiple);
  grid.width = round_up((width + f - 1) / f, multiple);
  grid.image_height = height;
  grid.image_width = width;
  return grid;
}

torch::Tensor NetworkTokenPrior::log_denoise(const torch::Tensor& z_t, int64_t t, const TokenGrid& grid) const {
  if (z_t.dim() != 2 || z_t.size(1) != grid.tokens())
    throw InputError("token prior: expected tokens [B, " + std::to_string(grid.tokens()) + "]");
  if (t < 0 || t >= process_.steps())
    throw InputError("token prior: time " + std::to_string(t) + " outside 0.." + std::to_string(process_.steps() - 1));
  torch::NoGradGuard no_grad;
  const int64_t B = z_t.size(0), K = process_.classes();
  const auto c_noise = torch::full({B}, static_cast<double>(t) / static_cast<double>(process_.steps()),
                                   torch::TensorOptions().dtype(torch::kFloat32).device(z_t.device()));
  const auto logits = network_.forward(z_t.to(torch::kInt64).view({B, grid.height, grid.width}), c_noise);
  return torch::log_softmax(logits.view({B, K, grid.tokens()}), 1);
}

torch::Tensor NetworkTokenPrior::decode(const torch::Tensor& soft_tokens, const TokenGrid& grid) const {
  auto images = autoencoder_.decode(autoencoder_.embed(soft_tokens.to(torch::kFloat32), grid));
  const int64_t height = grid.image_height > 0 ? grid.image_height : images.size(2);
  const int64_t width = grid.image_width > 0 ? grid.image_width : images.size(3);
  return images.narrow(2, 0, height).narrow(3, 0, width).to(soft_tokens.scalar_type());
}

}  // namespace diffrecon
