#include "priors/vq_trainer.h"

#include "priors/training_checkpoint.h"
#include "priors/training_schedule.h"

#include <torch/nn.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <chrono>
#include <stdexcept>

namespace diffrecon {

struct VqTrainer::Optimizer {
  Optimizer(const std::vector<torch::Tensor>& parameters, double learning_rate)
      : adam(parameters, torch::optim::AdamOptions(learning_rate)) {}
  torch::optim::Adam adam;
};

void VqTrainingOptions::validate() const {
  if (batch_size < 1) throw std::invalid_argument("VQ training: batch size must be >= 1");
  if (!(learning_rate > 0)) throw std::invalid_argument("VQ training: learning rate must be positive");
  if (!(commitment >= 0)) throw std::invalid_argument("VQ training: the commitment weight must be >= 0");
  if (!(codebook_decay > 0 && codebook_decay < 1)) throw std::invalid_argument("VQ training: codebook decay must be in (0, 1)");
  if (!(epsilon > 0)) throw std::invalid_argument("VQ training: epsilon must be positive");
  if (restart_every < 0) throw std::invalid_argument("VQ training: restart_every must be >= 0");
}

namespace {

VqAutoencoder seeded_autoencoder(const VqAutoencoderConfig& config, uint64_t seed) {
  torch::manual_seed(seed);  // LibTorch initialises weights from its global generator
  return VqAutoencoder(config);
}

}  // namespace

VqTrainer::VqTrainer(const VqAutoencoderConfig& config, const VqTrainingOptions& options,
                     std::shared_ptr<const TrainingImageSource> source, torch::Device device)
    : autoencoder_(seeded_autoencoder(config, options.seed)), options_(options), source_(std::move(source)), device_(device) {
  options_.validate();
  if (!source_) throw std::invalid_argument("VQ training: no image source");
  if (source_->channels() != config.channels)
    throw std::invalid_argument("VQ training: the images have " + std::to_string(source_->channels()) +
                                " channels but the autoencoder expects " + std::to_string(config.channels));
  autoencoder_.to(device_);
  optimizer_ = std::make_unique<Optimizer>(autoencoder_.parameters(), options_.learning_rate);
  const auto float64 = torch::TensorOptions().dtype(torch::kFloat64).device(device_);
  cluster_size_ = torch::zeros({config.codebook_size}, float64);
  embedding_sum_ = torch::zeros({config.codebook_size, config.code_dim}, float64);
}

VqTrainer::~VqTrainer() = default;

void VqTrainer::update_codebook(const torch::Tensor& flat, const torch::Tensor& tokens, SeededRandom& random,
                                VqTrainingStep& result) {
  torch::NoGradGuard no_grad;
  const int64_t K = autoencoder_.config().codebook_size;
  const auto z = flat.to(torch::kFloat64);
  const auto counts = torch::bincount(tokens, {}, K).to(torch::kFloat64);
  const auto sums = torch::zeros_like(embedding_sum_).index_add_(0, tokens, z);
  const double gamma = options_.codebook_decay;
  cluster_size_.mul_(gamma).add_(counts, 1.0 - gamma);
  embedding_sum_.mul_(gamma).add_(sums, 1.0 - gamma);
  result.codes_used = (counts > 0).sum().item<int64_t>();

  const bool restart = options_.restart_every > 0 && (completed_steps_ + 1) % options_.restart_every == 0;
  if (restart) {
    const auto dead = (cluster_size_ < options_.restart_below).nonzero().view(-1);
    result.codes_restarted = dead.numel();
    if (dead.numel() > 0) {
      const auto pick = (random.uniform({dead.numel()}) * static_cast<double>(z.size(0))).to(torch::kInt64).clamp_max(z.size(0) - 1);
      embedding_sum_.index_copy_(0, dead, z.index_select(0, pick.to(z.device())));
      cluster_size_.index_fill_(0, dead, 1.0);
    }
  }
  const double total = cluster_size_.sum().item<double>();
  const auto smoothed = (cluster_size_ + options_.epsilon) / (total + static_cast<double>(K) * options_.epsilon) * total;
  autoencoder_.set_codebook((embedding_sum_ / smoothed.unsqueeze(1)).to(torch::kFloat32));
}

VqTrainingStep VqTrainer::step() {
  const auto start = std::chrono::steady_clock::now();
  SeededRandom random(options_.seed * 1000003ULL + static_cast<uint64_t>(completed_steps_) + 1);
  const auto clean = draw_batch(*source_, options_.batch_size, random).to(device_);
  const int64_t d = autoencoder_.config().code_dim;
  const TokenGrid grid{clean.size(2) / autoencoder_.config().downsampling(), clean.size(3) / autoencoder_.config().downsampling()};

  autoencoder_.set_training(true);
  const auto features = autoencoder_.encode(clean);
  const auto flat = features.permute({0, 2, 3, 1}).reshape({-1, d});
  if (completed_steps_ == 0) {  // codebook from random encoder outputs of the first batch
    torch::NoGradGuard no_grad;
    const auto pick = (random.uniform({autoencoder_.config().codebook_size}) * static_cast<double>(flat.size(0)))
                          .to(torch::kInt64).clamp_max(flat.size(0) - 1);
    const auto initial = flat.detach().index_select(0, pick.to(flat.device())).to(torch::kFloat64);
    embedding_sum_.copy_(initial);
    cluster_size_.fill_(1.0);
    autoencoder_.set_codebook(initial.to(torch::kFloat32));
  }
  const auto tokens = autoencoder_.quantise(features);
  const auto quantised = autoencoder_.lookup(tokens, grid);
  const auto straight_through = features + (quantised - features).detach();
  const auto decoded = autoencoder_.decode(straight_through);
  const auto reconstruction = (decoded - clean).pow(2).mean();
  const auto commitment = (features - quantised.detach()).pow(2).mean();
  const auto loss = reconstruction + options_.commitment * commitment;
  if (!torch::isfinite(loss).item<bool>())
    throw std::runtime_error("VQ training: the loss became " + std::to_string(loss.item<double>()) + " at step " +
                             std::to_string(completed_steps_ + 1) + " (lower the learning rate)");

  auto& adam = optimizer_->adam;
  adam.zero_grad();
  loss.backward();
  if (options_.gradient_clip > 0) torch::nn::utils::clip_grad_norm_(autoencoder_.parameters(), options_.gradient_clip);
  set_warmup_learning_rate(adam, options_.learning_rate, options_.warmup_steps, completed_steps_);
  adam.step();

  VqTrainingStep result;
  update_codebook(flat.detach(), tokens.view(-1), random, result);
  ++completed_steps_;
  result.step = completed_steps_;
  result.loss = loss.item<double>();
  result.reconstruction = reconstruction.item<double>();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  training_seconds_ += result.seconds;
  return result;
}

void VqTrainer::save_checkpoint(const std::filesystem::path& path) const {
  torch::serialize::OutputArchive archive, model;
  autoencoder_.module()->save(model);
  archive.write("model", model);
  archive.write("codebook", autoencoder_.codebook());
  archive.write("cluster_size", cluster_size_);
  archive.write("embedding_sum", embedding_sum_);
  write_adam_moments(archive, optimizer_->adam, autoencoder_.parameters());
  write_training_counters(archive, {completed_steps_, training_seconds_});
  archive.save_to(path.string());
}

void VqTrainer::load_checkpoint(const std::filesystem::path& path) {
  const auto expected = autoencoder_.parameter_shapes();
  try {
    torch::serialize::InputArchive archive, model;
    archive.load_from(path.string(), device_);
    archive.read("model", model);
    autoencoder_.module()->load(model);
    if (autoencoder_.parameter_shapes() != expected) throw std::runtime_error("the weights have other shapes");
    torch::Tensor codebook, cluster_size, embedding_sum;
    archive.read("codebook", codebook);
    archive.read("cluster_size", cluster_size);
    archive.read("embedding_sum", embedding_sum);
    if (cluster_size.sizes() != cluster_size_.sizes() || embedding_sum.sizes() != embedding_sum_.sizes())
      throw std::runtime_error("the codebook has another size");
    autoencoder_.set_codebook(codebook);
    cluster_size_.copy_(cluster_size);
    embedding_sum_.copy_(embedding_sum);
    read_adam_moments(archive, optimizer_->adam, autoencoder_.parameters());
    const auto counters = read_training_counters(archive);
    completed_steps_ = counters.completed_steps;
    training_seconds_ = counters.training_seconds;
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot resume from checkpoint '" + path.string() +
                             "': it does not match this autoencoder configuration (" + error.what() + ")");
  }
}

}  // namespace diffrecon
