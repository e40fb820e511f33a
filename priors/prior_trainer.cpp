#include "priors/prior_trainer.h"

#include "priors/training_checkpoint.h"
#include "priors/training_schedule.h"

#include <torch/nn.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace diffrecon {

struct PriorTrainer::Optimizer {
  explicit Optimizer(const std::vector<torch::Tensor>& parameters, double learning_rate)
      : adam(parameters, torch::optim::AdamOptions(learning_rate)) {}
  torch::optim::Adam adam;
};

void TrainingOptions::validate() const {
  if (batch_size < 1) throw std::invalid_argument("training: batch size must be >= 1");
  if (!(learning_rate > 0)) throw std::invalid_argument("training: learning rate must be positive");
  if (!(ema_decay >= 0 && ema_decay < 1)) throw std::invalid_argument("training: EMA decay must be in [0, 1)");
  if (!(sigma_data > 0)) throw std::invalid_argument("training: sigma_data must be positive");
  if (!(p_std > 0)) throw std::invalid_argument("training: p_std must be positive");
  if (!(low_noise_fraction >= 0 && low_noise_fraction <= 1))
    throw std::invalid_argument("training: the low-noise fraction must be in [0, 1]");
  if (!(low_noise_std > 0)) throw std::invalid_argument("training: the low-noise std must be positive");
}

// The mixture draws its extra numbers only when it is on, so runs without it keep their exact batches.
torch::Tensor draw_training_sigma(const TrainingOptions& options, SeededRandom& random) {
  const auto base = options.p_mean + options.p_std * random.normal({options.batch_size});
  if (options.low_noise_fraction <= 0) return torch::exp(base);
  const auto low = options.low_noise_mean + options.low_noise_std * random.normal({options.batch_size});
  const auto pick_low = random.uniform({options.batch_size}) < options.low_noise_fraction;
  return torch::exp(torch::where(pick_low, low, base));
}

namespace {

// Initial weights come from the training seed too: LibTorch initialises them from its global CPU
// generator, which is seeded here, once.
UNet seeded_network(const UNetConfig& config, uint64_t seed) {
  torch::manual_seed(seed);
  return UNet(config);
}

}  // namespace

PriorTrainer::PriorTrainer(const UNetConfig& network, const TrainingOptions& options,
                           std::shared_ptr<const TrainingImageSource> source, torch::Device device)
    : network_(seeded_network(network, options.seed)), ema_(network_.clone()), options_(options),
      source_(std::move(source)), device_(device) {
  options_.validate();
  if (!source_) throw std::invalid_argument("training: no image source");
  if (source_->channels() != network.channels)
    throw std::invalid_argument("training: the images have " + std::to_string(source_->channels()) +
                                " channels but the network expects " + std::to_string(network.channels));
  network_.to(device_);
  ema_.to(device_);
  ema_.set_training(false);
  for (auto& p : ema_.parameters()) p.set_requires_grad(false);
  optimizer_ = std::make_unique<Optimizer>(network_.parameters(), options_.learning_rate);
}

PriorTrainer::~PriorTrainer() = default;

TrainingStep PriorTrainer::step() {
  const auto start = std::chrono::steady_clock::now();
  // One stream per (seed, step): batches do not depend on how often training was interrupted.
  SeededRandom random(options_.seed * 1000003ULL + static_cast<uint64_t>(completed_steps_) + 1);
  const auto clean = draw_batch(*source_, options_.batch_size, random).to(device_);
  const auto sigma = draw_training_sigma(options_, random).to(device_);
  const auto noise = random.normal(clean.sizes().vec()).to(device_);
  const double sd = options_.sigma_data;
  const auto weight = (sigma * sigma + sd * sd) / (sigma * sd).pow(2);

  network_.set_training(true);
  const EdmDenoiser denoiser(network_, sd);
  const auto s = sigma.view({-1, 1, 1, 1});
  const auto denoised = denoiser.denoise(clean + s * noise, sigma);
  const auto loss = (weight.view({-1, 1, 1, 1}) * (denoised - clean).pow(2)).mean();
  if (!torch::isfinite(loss).item<bool>())
    throw std::runtime_error("training: the loss became " + std::to_string(loss.item<double>()) + " at step " +
                             std::to_string(completed_steps_ + 1) + " (lower the learning rate)");

  auto& adam = optimizer_->adam;
  adam.zero_grad();
  loss.backward();
  if (options_.gradient_clip > 0) torch::nn::utils::clip_grad_norm_(network_.parameters(), options_.gradient_clip);
  set_warmup_learning_rate(adam, options_.learning_rate, options_.warmup_steps, completed_steps_);
  adam.step();
  update_weight_average(ema_, network_, options_.ema_decay, completed_steps_);
  ++completed_steps_;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  training_seconds_ += seconds;
  return {completed_steps_, loss.item<double>(), seconds};
}

void PriorTrainer::save_checkpoint(const std::filesystem::path& path) const {
  torch::serialize::OutputArchive archive, model;
  network_.module()->save(model);
  archive.write("format", torch::tensor(int64_t{2}));
  archive.write("model", model);
  write_adam_moments(archive, optimizer_->adam, network_.parameters());
  write_training_counters(archive, {completed_steps_, training_seconds_});
  archive.save_to(path.string());
}

void PriorTrainer::load_checkpoint(const std::filesystem::path& path, const std::filesystem::path& ema_weights) {
  torch::serialize::InputArchive archive, model;
  const auto expected = network_.parameter_shapes();
  try {
    archive.load_from(path.string(), device_);
    archive.read("model", model);
    network_.module()->load(model);
    network_.check_parameter_shapes(expected, path.string());
    torch::Tensor format;
    if (!archive.try_read("format", format)) {  // first format: EMA and float32 Adam state inside
      torch::serialize::InputArchive ema, optimizer;
      archive.read("ema", ema);
      archive.read("optimizer", optimizer);
      ema_.module()->load(ema);
      ema_.check_parameter_shapes(expected, path.string());
      optimizer_->adam.load(optimizer);
    } else {
      ema_.load(ema_weights, device_);  // checks the shapes, naming the weights file
      read_adam_moments(archive, optimizer_->adam, network_.parameters());
    }
    const auto counters = read_training_counters(archive);
    completed_steps_ = counters.completed_steps;
    training_seconds_ = counters.training_seconds;
  } catch (const c10::Error& error) {
    throw std::runtime_error("cannot resume from checkpoint '" + path.string() +
                             "': it does not match this network configuration (" + error.what_without_backtrace() + ")");
  }
}

EdmDenoiser PriorTrainer::ema_denoiser() const {
  auto copy = ema_.clone();
  copy.set_training(false);
  return EdmDenoiser(copy, options_.sigma_data);
}

}  // namespace diffrecon

