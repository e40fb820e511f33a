// diffrecon prior train --vq: the two stages of a discrete prior (docs/priors.md, "Discrete prior").
// Stage 1 trains the VQ autoencoder to --autoencoder-steps (autoencoder.pt, codebook.pt and
// autoencoder-checkpoint.pt, autoencoder-loss.csv/png); stage 2 trains the token denoiser on the frozen
// autoencoder's tokens to --steps (token-denoiser.pt, checkpoint.pt, loss.csv/png) and writes the card,
// whose weights list all three files with their SHA-256. --resume continues whichever stage is unfinished.
#include "core/sha256.h"
#include "recon/cli/prior_train_request.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/runtime_options.h"

#include <chrono>
#include <cstdio>
#include <fstream>

namespace diffrecon::cli {
namespace fs = std::filesystem;

void prepare_model_folder(TrainRequest& request, const fs::path& checkpoint);

namespace {

constexpr int64_t kDiffusionSteps = 100;  // T of VQ-Diffusion (../shared/reference/g2d2.md section 1)

// The hours left of this run's --hours budget (infinite without one).
class RunClock {
 public:
  explicit RunClock(double hours) : hours_(hours), start_(std::chrono::steady_clock::now()) {}
  bool out_of_time() const {
    return hours_ > 0 &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() / 3600.0 >= hours_;
  }

 private:
  double hours_;
  std::chrono::steady_clock::time_point start_;
};

LossLog resumed_log(const fs::path& path, int64_t completed_steps) {
  auto log = read_loss_log(path);
  while (!log.empty() && log.back().first > completed_steps) log.pop_back();
  return log;
}

void write_autoencoder(const TrainRequest& r, const VqTrainer& trainer, const LossLog& log) {
  write_atomically(r.out / "autoencoder-checkpoint.pt", [&](const fs::path& p) { trainer.save_checkpoint(p); });
  // Both files of the autoencoder at once: the weights and the codebook must come from the same step.
  AtomicOutput weights(r.out / "autoencoder.pt", Overwrite::Allow), codebook(r.out / "codebook.pt", Overwrite::Allow);
  trainer.autoencoder().save(weights.temporary_path(), codebook.temporary_path());
  weights.commit();
  codebook.commit();
  write_loss_files(r.out, "autoencoder-loss", log);
}

void train_autoencoder(TrainRequest& r, const RuntimeOptions& runtime, const RunClock& clock,
                       std::shared_ptr<const TrainingImageSource> source) {
  VqTrainer trainer(r.autoencoder, r.autoencoder_training, source, runtime.device);
  LossLog log;
  if (r.resume && fs::is_regular_file(r.out / "autoencoder-checkpoint.pt")) {
    trainer.load_checkpoint(r.out / "autoencoder-checkpoint.pt");
    log = resumed_log(r.out / "autoencoder-loss.csv", trainer.completed_steps());
  }
  r.autoencoder_hours = trainer.training_seconds() / 3600.0;
  if (trainer.completed_steps() >= r.autoencoder_steps) return;
  std::fprintf(stderr, "training %s, stage 1 (VQ autoencoder): %ld parameters, %ld codes of %ld dimensions, "
               "f = %ld, patch %ld, from step %ld to %ld\n",
               r.name.c_str(), static_cast<long>(trainer.autoencoder().parameter_count()),
               static_cast<long>(r.autoencoder.codebook_size), static_cast<long>(r.autoencoder.code_dim),
               static_cast<long>(r.autoencoder.downsampling()), static_cast<long>(r.slices.patch_size),
               static_cast<long>(trainer.completed_steps()), static_cast<long>(r.autoencoder_steps));
  ProgressBar progress("vq autoencoder", r.autoencoder_steps);
  while (trainer.completed_steps() < r.autoencoder_steps) {
    const auto result = trainer.step();
    log.emplace_back(result.step, result.reconstruction);
    char status[96];
    std::snprintf(status, sizeof status, "mse %.5f, %ld codes", result.reconstruction,
                  static_cast<long>(result.codes_used));
    progress.update(result.step, status);
    const bool out_of_time = clock.out_of_time();
    if (result.step % r.checkpoint_every == 0 || result.step == r.autoencoder_steps || out_of_time)
      write_autoencoder(r, trainer, log);
    if (out_of_time) break;
  }
  r.autoencoder_hours = trainer.training_seconds() / 3600.0;
  progress.finish("autoencoder at step " + std::to_string(trainer.completed_steps()));
}

void write_token_stage(const TrainRequest& r, const TokenDenoiserTrainer& trainer, const LossLog& log) {
  write_atomically(r.out / "checkpoint.pt", [&](const fs::path& p) { trainer.save_checkpoint(p); });
  write_atomically(r.out / "token-denoiser.pt", [&](const fs::path& p) { trainer.ema_network().save(p); });
  ModelCard card;
  card.name = r.name;
  card.description = std::string("discrete prior over VQ tokens of ") +
                     (r.slices.complex ? "complex (real, imaginary)" : "real") +
                     " images: VQ autoencoder and VQ-Diffusion token denoiser (built-in U-Net), for G2D2";
  card.format = "vq-diffusion";
  card.weights = "token-denoiser.pt";
  card.weights_role = "token-denoiser";
  card.sha256 = sha256_file_hex(r.out / "token-denoiser.pt");
  card.other_weights = {{"vq-autoencoder", "autoencoder.pt", sha256_file_hex(r.out / "autoencoder.pt")},
                        {"codebook", "codebook.pt", sha256_file_hex(r.out / "codebook.pt")}};
  card.channels = r.autoencoder.channels;
  card.complex = r.slices.complex;
  card.network = r.network;
  card.vq.autoencoder = r.autoencoder;
  card.vq.diffusion_steps = kDiffusionSteps;
  card.vq.autoencoder_steps = r.autoencoder_steps;
  card.vq.autoencoder_hours = r.autoencoder_hours;
  describe_training(card, r, trainer.completed_steps(), trainer.training_seconds() / 3600.0);
  write_atomically(r.out / "model.json", [&](const fs::path& p) { std::ofstream(p) << card.to_json(); });
  write_loss_files(r.out, "loss", log);
}

void train_token_denoiser(TrainRequest& r, const RuntimeOptions& runtime, const RunClock& clock) {
  VqAutoencoder autoencoder(r.autoencoder);
  autoencoder.load(r.out / "autoencoder.pt", r.out / "codebook.pt", runtime.device);
  auto source = load_training_images(r, r.token_patch);
  TokenDenoiserTrainer trainer(r.network, std::move(autoencoder),
                               VqDiffusionProcess(r.autoencoder.codebook_size, kDiffusionSteps), r.token_training,
                               source, runtime.device);
  LossLog log;
  if (r.resume && fs::is_regular_file(r.out / "checkpoint.pt")) {
    trainer.load_checkpoint(r.out / "checkpoint.pt", r.out / "token-denoiser.pt");
    log = resumed_log(r.out / "loss.csv", trainer.completed_steps());
  }
  r.start_step = trainer.completed_steps();
  std::fprintf(stderr, "training %s, stage 2 (token denoiser): %ld parameters, %ld x %ld tokens, from step %ld to %ld\n",
               r.name.c_str(), static_cast<long>(trainer.ema_network().parameter_count()),
               static_cast<long>(r.token_patch / r.autoencoder.downsampling()),
               static_cast<long>(r.token_patch / r.autoencoder.downsampling()),
               static_cast<long>(trainer.completed_steps()), static_cast<long>(r.steps));
  ProgressBar progress("token denoiser", r.steps);
  double recent = 0;
  int64_t recent_count = 0;
  while (trainer.completed_steps() < r.steps) {
    const auto result = trainer.step();
    log.emplace_back(result.step, result.loss);
    recent += result.masked_cross_entropy;
    ++recent_count;
    char status[96];
    std::snprintf(status, sizeof status, "loss %.4f, masked CE %.3f nats", result.loss,
                  recent / static_cast<double>(recent_count));
    progress.update(result.step, status);
    if (recent_count >= 50) recent = 0, recent_count = 0;
    const bool out_of_time = clock.out_of_time();
    if (result.step % r.checkpoint_every == 0 || result.step == r.steps || out_of_time)
      write_token_stage(r, trainer, log);
    if (out_of_time) break;
  }
  char summary[200];
  std::snprintf(summary, sizeof summary, "%ld token-denoiser steps in total, %.2f hours; model in %s",
                static_cast<long>(trainer.completed_steps()), trainer.training_seconds() / 3600.0,
                (r.out / "model.json").c_str());
  progress.finish(summary);
}

}  // namespace

int run_vq_training(TrainRequest request, const RuntimeOptions& runtime) {
  // A bad data option fails here, before the folder is touched; stage 1 trains on these images.
  auto source = load_training_images(request, request.slices.patch_size);
  const bool resuming_tokens = request.resume && fs::is_regular_file(request.out / "checkpoint.pt");
  prepare_model_folder(request, resuming_tokens ? "checkpoint.pt" : "autoencoder-checkpoint.pt");
  // Stage 1 is not run again when the token stage resumes: its hours come from the card.
  if (resuming_tokens && fs::is_regular_file(request.out / "model.json"))
    request.autoencoder_hours = ModelCard::read(request.out / "model.json").vq.autoencoder_hours;
  const RunClock clock(request.hours);
  if (!resuming_tokens) train_autoencoder(request, runtime, clock, std::move(source));
  if (clock.out_of_time()) return 0;
  train_token_denoiser(request, runtime, clock);
  return 0;
}

}  // namespace diffrecon::cli
