// diffrecon prior train: trains the built-in U-Net on slices of volumes, image files or CT phantoms,
// writing a model folder (model card, EMA weights, checkpoint, loss CSV and plot) that `--resume`
// continues. `--vq` trains a discrete prior instead (prior_train_vq.cpp).
#include "core/sha256.h"
#include "recon/cli/prior_command.h"
#include "recon/cli/prior_train_request.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/runtime_options.h"

#include <chrono>
#include <cstdio>
#include <fstream>

namespace diffrecon::cli {
namespace fs = std::filesystem;

int run_vq_training(TrainRequest request, const RuntimeOptions& runtime);

namespace {

void write_model_folder(const TrainRequest& r, const PriorTrainer& trainer, const LossLog& loss_log) {
  write_atomically(r.out / "checkpoint.pt", [&](const fs::path& p) { trainer.save_checkpoint(p); });
  write_atomically(r.out / "weights.pt", [&](const fs::path& p) { trainer.ema_denoiser().network().save(p); });
  ModelCard card;
  card.name = r.name;
  card.description = std::string(r.slices.complex ? "complex (real, imaginary)" : "real") +
                     " EDM denoiser, built-in U-Net, trained by diffrecon prior train";
  card.weights = "weights.pt";
  card.sha256 = sha256_file_hex(r.out / "weights.pt");
  card.channels = r.network.channels;
  card.complex = r.slices.complex;
  card.sigma_data = r.training.sigma_data;
  card.sigma_min = 0.002;
  card.sigma_max = 80.0;
  card.network = r.network;
  describe_training(card, r, trainer.completed_steps(), trainer.training_seconds() / 3600.0);
  write_atomically(r.out / "model.json", [&](const fs::path& p) { std::ofstream(p) << card.to_json(); });
  write_loss_files(r.out, "loss", loss_log);
}

}  // namespace

void prepare_model_folder(TrainRequest& request, const fs::path& checkpoint) {
  const bool exists = fs::exists(request.out);
  if (exists && !request.resume && !request.force)
    throw UsageError("prior train: output folder '" + request.out.string() +
                     "' exists (use --resume to continue it or --force to replace it)");
  if (request.resume && !fs::is_regular_file(request.out / checkpoint))
    throw UsageError("prior train: --resume needs '" + (request.out / checkpoint).string() + "'");
  if (request.resume) {
    if (fs::is_regular_file(request.out / "model.json")) {
      const auto previous = ModelCard::read(request.out / "model.json").training;
      request.history = previous.history;
      if (request.history.empty())  // cards written before the history was kept
        request.history.push_back("steps 0-" + std::to_string(previous.steps) + ": " + previous.command);
    }
  } else {
    if (exists) fs::remove_all(request.out);
    fs::create_directories(request.out);
  }
}

int run_prior_train(const std::vector<std::string>& arguments) {
  CommandLine line(arguments, train_spec());
  if (line.take_flag("--help")) {
    std::fputs(train_spec().help().c_str(), stdout);
    return 0;
  }
  const auto runtime = take_runtime_options(line);
  auto request = parse_train_request(line);
  line.expect_consumed("prior train");
  if (request.vq) return run_vq_training(std::move(request), runtime);

  // Images load before the folder is touched: a bad input leaves an existing model as it was.
  auto source = load_training_images(request, request.slices.patch_size);
  prepare_model_folder(request, "checkpoint.pt");
  PriorTrainer trainer(request.network, request.training, source, runtime.device);
  LossLog loss_log;
  if (request.resume) {
    trainer.load_checkpoint(request.out / "checkpoint.pt", request.out / "weights.pt");
    request.start_step = trainer.completed_steps();
    loss_log = read_loss_log(request.out / "loss.csv");
    while (!loss_log.empty() && loss_log.back().first > trainer.completed_steps()) loss_log.pop_back();
  }
  std::fprintf(stderr, "training %s: %ld parameters, %ld channels, patch %ld, from step %ld to %ld\n",
               request.name.c_str(), static_cast<long>(trainer.ema_denoiser().network().parameter_count()),
               static_cast<long>(request.network.channels), static_cast<long>(request.slices.patch_size),
               static_cast<long>(trainer.completed_steps()), static_cast<long>(request.steps));

  ProgressBar progress("prior train", request.steps);
  const auto start = std::chrono::steady_clock::now();
  double recent = 0;
  int64_t recent_count = 0;
  while (trainer.completed_steps() < request.steps) {
    const auto result = trainer.step();
    loss_log.emplace_back(result.step, result.loss);
    recent += result.loss;
    ++recent_count;
    char status[64];
    std::snprintf(status, sizeof status, "loss %.4f", recent / static_cast<double>(recent_count));
    progress.update(result.step, status);
    if (recent_count >= 50) recent = 0, recent_count = 0;
    const double hours = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 3600.0;
    const bool out_of_time = request.hours > 0 && hours >= request.hours;
    if (result.step % request.checkpoint_every == 0 || result.step == request.steps || out_of_time)
      write_model_folder(request, trainer, loss_log);
    if (out_of_time) break;
  }
  char summary[160];
  std::snprintf(summary, sizeof summary, "%ld steps in total, %.2f hours of training; model in %s",
                static_cast<long>(trainer.completed_steps()), trainer.training_seconds() / 3600.0,
                (request.out / "model.json").c_str());
  progress.finish(summary);
  return 0;
}

}  // namespace diffrecon::cli
