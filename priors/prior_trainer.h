// Trains the built-in U-Net as an EDM denoiser (Karras et al. 2022, section 5 and Table 1):
//   sigma ~ LogNormal(p_mean, p_std),  loss = lambda(sigma) |D(x0 + sigma n; sigma) - x0|^2,
//   lambda(sigma) = (sigma^2 + sd^2) / (sigma sd)^2,
// optionally mixed with a second, low-noise log-normal (TrainingOptions::low_noise_fraction),
// with Adam, a short learning-rate warm-up and an exponential moving average (EMA) of the weights, which
// is what ships. Every step draws its batch and noise from SeededRandom(seed, step), so a run resumed
// from a checkpoint continues exactly as if it had never stopped.
#pragma once

#include "priors/edm_denoiser.h"
#include "priors/training_images.h"
#include "priors/unet.h"

#include <filesystem>
#include <functional>
#include <memory>

namespace diffrecon {

struct TrainingOptions {
  int64_t batch_size = 16;
  double learning_rate = 5e-4;
  int64_t warmup_steps = 200;
  double ema_decay = 0.999;
  double sigma_data = 0.5;
  double p_mean = -1.2;   // log-normal noise-level distribution of EDM
  double p_std = 1.2;
  // A second log-normal component for the light noise where reconstructions end (docs/priors.md, "Training
  // noise"): with probability low_noise_fraction, ln sigma ~ N(low_noise_mean, low_noise_std^2) instead.
  double low_noise_fraction = 0.0;
  double low_noise_mean = -3.0;
  double low_noise_std = 1.0;
  double gradient_clip = 1.0;  // global L2 norm; 0 disables
  uint64_t seed = 0;
  void validate() const;
};

// The noise levels of one batch [batch_size]: ln sigma ~ N(p_mean, p_std^2), or with probability
// low_noise_fraction ~ N(low_noise_mean, low_noise_std^2).
torch::Tensor draw_training_sigma(const TrainingOptions& options, SeededRandom& random);

struct TrainingStep {
  int64_t step = 0;     // completed steps, cumulative over resumed runs
  double loss = 0.0;    // this batch's weighted loss
  double seconds = 0.0; // wall time of this step
};

class PriorTrainer {
 public:
  PriorTrainer(const UNetConfig& network, const TrainingOptions& options, std::shared_ptr<const TrainingImageSource> source,
               torch::Device device = torch::kCPU);
  ~PriorTrainer();
  PriorTrainer(const PriorTrainer&) = delete;
  PriorTrainer& operator=(const PriorTrainer&) = delete;

  // One optimisation step.
  TrainingStep step();
  int64_t completed_steps() const { return completed_steps_; }
  // Training wall time so far, cumulative over resumed runs.
  double training_seconds() const { return training_seconds_; }

  // The live weights (float32), Adam's moments (bfloat16: half the bytes, float32's range) and the counters.
  // The EMA weights are not repeated here: they are the shipped weights file (ema_denoiser().network().save).
  void save_checkpoint(const std::filesystem::path& path) const;
  // Continues from a checkpoint written by a trainer with the same network configuration, with the EMA
  // weights read from `ema_weights`. Checkpoints of the first format (EMA and float32 moments inside) load
  // too; `ema_weights` is then unused.
  void load_checkpoint(const std::filesystem::path& path, const std::filesystem::path& ema_weights);

  // The EMA weights as a denoiser (a copy, in eval mode).
  EdmDenoiser ema_denoiser() const;
  const TrainingOptions& options() const { return options_; }

 private:
  struct Optimizer;
  UNet network_;
  UNet ema_;
  TrainingOptions options_;
  std::shared_ptr<const TrainingImageSource> source_;
  torch::Device device_;
  std::unique_ptr<Optimizer> optimizer_;
  int64_t completed_steps_ = 0;
  double training_seconds_ = 0.0;
};

}  // namespace diffrecon
