// The request of `diffrecon prior train` (its option table, parsing, the training images it names) and
// what both of its trainers write into a model folder (loss logs, the card's provenance), shared by the
// continuous prior (prior_train_command.cpp) and the discrete one (prior_train_vq.cpp).
#pragma once

#include "io/atomic_output.h"
#include "priors/model_card.h"
#include "priors/prior_trainer.h"
#include "priors/token_denoiser_trainer.h"
#include "priors/training_images.h"
#include "priors/vq_trainer.h"
#include "recon/cli/command_line.h"
#include "recon/cli/option_table.h"

#include "recon/pipeline/training_phantoms.h"

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace diffrecon::cli {

const CommandSpec& train_spec();

struct TrainRequest {
  std::filesystem::path out;
  std::vector<std::filesystem::path> volumes;
  std::optional<std::filesystem::path> image_folder;
  std::string phantoms;            // "ct-ellipses", "ct-anatomy" or empty
  int64_t phantom_size = 256;
  PhantomMix phantom_mix;          // ct-anatomy: heads, bodies, ellipses
  HeadAtlasFiles head_atlas;       // ct-anatomy with heads
  SliceSourceOptions slices;
  UNetConfig network;
  TrainingOptions training;
  // --vq: a discrete prior (VQ autoencoder, then the token denoiser in `network`, token mode).
  bool vq = false;
  VqAutoencoderConfig autoencoder;
  VqTrainingOptions autoencoder_training;
  TokenTrainingOptions token_training;
  int64_t autoencoder_steps = 10000;
  double autoencoder_hours = 0;  // of the finished stage 1 (from its trainer, or a resumed card)
  int64_t token_patch = 64;
  int64_t steps = 2000;
  double hours = 0;
  int64_t checkpoint_every = 250;
  std::string name;
  bool resume = false;
  bool force = false;
  std::vector<std::string> history;  // earlier runs of a resumed model (from its card)
  int64_t start_step = 0;
};

TrainRequest parse_train_request(CommandLine& line);
// The canonical command that reproduces the run (recorded in the model card).
std::string canonical_command(const TrainRequest& request);
std::shared_ptr<const TrainingImageSource> load_training_images(const TrainRequest& request, int64_t patch_size);

using LossLog = std::vector<std::pair<int64_t, double>>;
// step,loss rows of a CSV written by write_loss_files (empty when the file is missing).
LossLog read_loss_log(const std::filesystem::path& path);
// `stem`.csv and `stem`.png (the moving average, 50 points) in `folder`.
void write_loss_files(const std::filesystem::path& folder, const std::string& stem, const LossLog& log);

template <typename Writer>
void write_atomically(const std::filesystem::path& path, Writer&& write) {
  AtomicOutput output(path, Overwrite::Allow);
  write(output.temporary_path());
  output.commit();
}

// The card's normalisation and provenance (data, command, history, steps, hours, patch, seed, machine).
void describe_training(ModelCard& card, const TrainRequest& request, int64_t steps, double hours);

}  // namespace diffrecon::cli
