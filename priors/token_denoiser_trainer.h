// Trains the token denoiser of the discrete prior: the built-in U-Net in token mode (UNetConfig::
// input_classes = K + 1, output_channels = K) predicting log p(z0 | z_t) under the VQ-Diffusion process,
// on tokens of training images from a frozen VQ autoencoder, with VQ-Diffusion's loss
// (diffusion_transformer.py::_train_loss; ../shared/reference/g2d2.md section 1.4):
//   t ~ U{0..T-1},  z_t ~ q(z_t | z0),  L_vb = sum_tokens KL(q(z_{t-1} | z_t, z0) || p_theta(z_{t-1} | z_t))  (t > 0)
//                                       L_vb = -sum_tokens log p̂0[z0]                                        (t = 0)
//   L_aux = -sum_tokens log p̂0[z0] over every token,   loss = T [L_vb + lambda (2 - t/T) L_aux] / L
// (uniform t: the importance sampling of the original is not used). The network sees c_noise = t / T.
// Adam with warm-up and an EMA of the weights (which ships); resumable bit for bit like PriorTrainer.
#pragma once

#include "priors/training_images.h"
#include "priors/unet.h"
#include "priors/vq_autoencoder.h"
#include "priors/vq_diffusion_process.h"

#include <filesystem>
#include <memory>

namespace diffrecon {

struct TokenTrainingOptions {
  int64_t batch_size = 16;
  double learning_rate = 4e-4;
  int64_t warmup_steps = 200;
  double ema_decay = 0.999;
  double auxiliary_weight = 1e-3;  // lambda (VQ-Diffusion's FFHQ and ImageNet configs)
  double gradient_clip = 1.0;
  uint64_t seed = 0;
  void validate() const;
};

struct TokenTrainingStep {
  int64_t step = 0;
  double loss = 0.0;
  double masked_cross_entropy = 0.0;  // nats per masked token, -log p̂0[z0]
  double seconds = 0.0;
};

class TokenDenoiserTrainer {
 public:
  // `network` in token mode with input_classes = K + 1 and output_channels = K of the autoencoder.
  TokenDenoiserTrainer(const UNetConfig& network, VqAutoencoder autoencoder, VqDiffusionProcess process,
                       const TokenTrainingOptions& options, std::shared_ptr<const TrainingImageSource> source,
                       torch::Device device = torch::kCPU);
  ~TokenDenoiserTrainer();
  TokenDenoiserTrainer(const TokenDenoiserTrainer&) = delete;
  TokenDenoiserTrainer& operator=(const TokenDenoiserTrainer&) = delete;

  TokenTrainingStep step();
  int64_t completed_steps() const { return completed_steps_; }
  double training_seconds() const { return training_seconds_; }

  void save_checkpoint(const std::filesystem::path& path) const;
  void load_checkpoint(const std::filesystem::path& path, const std::filesystem::path& ema_weights);
  // The EMA weights (a copy, in eval mode).
  UNet ema_network() const;

 private:
  struct Optimizer;
  UNet network_;
  UNet ema_;
  VqAutoencoder autoencoder_;
  VqDiffusionProcess process_;
  TokenTrainingOptions options_;
  std::shared_ptr<const TrainingImageSource> source_;
  torch::Device device_;
  std::unique_ptr<Optimizer> optimizer_;
  int64_t completed_steps_ = 0;
  double training_seconds_ = 0.0;
};

}  // namespace diffrecon
