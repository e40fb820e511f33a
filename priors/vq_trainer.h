// Trains the VQ autoencoder (priors/vq_autoencoder.h) as VQ-VAE with an EMA codebook
// (van den Oord et al. 2017, appendix A.1; the EMA quantiser of VQ-Diffusion's patch_vqgan.py):
//   loss = |x - Dec(z_q)|^2 + beta |z_e - sg(e)|^2,  z_q = z_e + sg(e - z_e)  (straight-through),
//   N_k <- gamma N_k + (1 - gamma) n_k,  m_k <- gamma m_k + (1 - gamma) sum_{i -> k} z_e,i,
//   e_k = m_k / Ñ_k,  Ñ_k = (N_k + eps) / (sum N + K eps) sum N   (Laplace smoothing),
// codes whose count N_k falls below `restart_below` re-seeded every `restart_every` steps with random
// encoder outputs of the batch (Jukebox-style dead-code restart), and the codebook initialised from
// random encoder outputs of the first batch. As PriorTrainer, every step draws from SeededRandom(seed,
// step), so a resumed run continues bit for bit.
#pragma once

#include "priors/training_images.h"
#include "priors/vq_autoencoder.h"

#include <filesystem>
#include <memory>

namespace diffrecon {

struct VqTrainingOptions {
  int64_t batch_size = 16;
  double learning_rate = 2e-4;
  int64_t warmup_steps = 200;
  double commitment = 0.25;      // beta
  double codebook_decay = 0.99;  // gamma
  double epsilon = 1e-5;
  int64_t restart_every = 100;
  double restart_below = 1.0;    // EMA count under which a code counts as dead
  double gradient_clip = 1.0;    // global L2 norm; 0 disables
  uint64_t seed = 0;
  void validate() const;
};

struct VqTrainingStep {
  int64_t step = 0;               // completed steps, cumulative
  double loss = 0.0;              // reconstruction + commitment
  double reconstruction = 0.0;    // mean squared error of Dec(Q(Enc(x)))
  int64_t codes_used = 0;         // distinct codes in this batch
  int64_t codes_restarted = 0;
  double seconds = 0.0;
};

class VqTrainer {
 public:
  VqTrainer(const VqAutoencoderConfig& config, const VqTrainingOptions& options,
            std::shared_ptr<const TrainingImageSource> source, torch::Device device = torch::kCPU);
  ~VqTrainer();
  VqTrainer(const VqTrainer&) = delete;
  VqTrainer& operator=(const VqTrainer&) = delete;

  VqTrainingStep step();
  int64_t completed_steps() const { return completed_steps_; }
  double training_seconds() const { return training_seconds_; }

  // The weights, the codebook and its EMA statistics, Adam's moments (bfloat16) and the counters.
  void save_checkpoint(const std::filesystem::path& path) const;
  // Continues a checkpoint written for the same configuration (std::runtime_error naming it otherwise).
  void load_checkpoint(const std::filesystem::path& path);

  const VqAutoencoder& autoencoder() const { return autoencoder_; }

 private:
  struct Optimizer;
  void update_codebook(const torch::Tensor& flat_features, const torch::Tensor& tokens, SeededRandom& random,
                       VqTrainingStep& result);

  VqAutoencoder autoencoder_;
  VqTrainingOptions options_;
  std::shared_ptr<const TrainingImageSource> source_;
  torch::Device device_;
  std::unique_ptr<Optimizer> optimizer_;
  torch::Tensor cluster_size_;   // N [K], float64
  torch::Tensor embedding_sum_;  // m [K, d], float64
  int64_t completed_steps_ = 0;
  double training_seconds_ = 0.0;
};

}  // namespace diffrecon
