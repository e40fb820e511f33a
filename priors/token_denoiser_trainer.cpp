#include "priors/token_denoiser_trainer.h"

#include "priors/training_checkpoint.h"
#include "priors/training_schedule.h"

#include <torch/nn.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace diffrecon {

struct TokenDenoiserTrainer::Optimizer {
  Optimizer(const std::vector<torch::Tensor>& parameters, double learning_rate)
      : adam(parameters, torch::optim::AdamOptions(learning_rate)) {}
  torch::optim::Adam adam;
};

void TokenTrainingOptions::validate() const {
  if (batch_size < 1) throw std::invalid_argument("token training: batch size must be >= 1");
  if (!(learning_rate > 0)) throw std::invalid_argument("token training: learning rate must be positive");
  if (!(ema_decay >= 0 && ema_decay < 1)) throw std::invalid_argument("token training: EMA decay must be in [0, 1)");
  if (!(auxiliary_weight >= 0)) throw std::invalid_argument("token training: the auxiliary weight must be >= 0");
}

namespace {

UNet seeded_network(const UNetConfig& config, uint64_t seed) {
  torch::manual_seed(seed);
  return UNet(config);
}

// KL(p || q) over dimension -2 of log-probabilities, 0 where p is 0 (log p = -inf).
torch::Tensor categorical_kl(const torch::Tensor& log_p, const torch::Tensor& log_q) {
  const auto finite = log_p > -INFINITY;
  const auto terms = torch::where(finite, log_p.exp() * (log_p - log_q.clamp_min(-70.0)), torch::zeros_like(log_p));
  return terms.sum(-2);
}

}  // namespace

TokenDenoiserTrainer::TokenDenoiserTrainer(const UNetConfig& network, VqAutoencoder autoencoder, VqDiffusionProcess process,
                                           const TokenTrainingOptions& options,
                                           std::shared_ptr<const TrainingImageSource> source, torch::Device device)
    : network_(seeded_network(network, options.seed)), ema_(network_.clone()), autoencoder_(std::move(autoencoder)),
      process_(std::move(process)), options_(options), source_(std::move(source)), device_(device) {
  options_.validate();
  const int64_t K = autoencoder_.config().codebook_size;
  if (network.input_classes != K + 1 || network.outputs() != K)
    throw std::invalid_argument("token training: the network must read " + std::to_string(K + 1) + " classes and predict " +
                                std::to_string(K));
  if (process_.classes() != K) throw std::invalid_argument("token training: the process has another class count");
  if (!source_ || source_->channels() != autoencoder_.config().channels)
    throw std::invalid_argument("token training: the images do not have the autoencoder's channels");
  network_.to(device_);
  ema_.to(device_);
  ema_.set_training(false);
  for (auto& p : ema_.parameters()) p.set_requires_grad(false);
  autoencoder_.to(device_);
  autoencoder_.set_training(false);
  for (auto& p : autoencoder_.parameters()) p.set_requires_grad(false);
  optimizer_ = std::make_unique<Optimizer>(network_.parameters(), options_.learning_rate);
}

TokenDenoiserTrainer::~TokenDenoiserTrainer() = default;

TokenTrainingStep TokenDenoiserTrainer::step() {
  const auto start = std::chrono::steady_clock::now();
  SeededRandom random(options_.seed * 1000003ULL + static_cast<uint64_t>(completed_steps_) + 1);
  const auto images = draw_batch(*source_, options_.batch_size, random).to(device_);
  const int64_t B = images.size(0), T = process_.steps(), K = process_.classes();
  const int64_t f = autoencoder_.config().downsampling();
  const int64_t height = images.size(2) / f, width = images.size(3) / f, L = height * width;
  torch::Tensor x0;
  {
    torch::NoGradGuard no_grad;
    x0 = autoencoder_.quantise(autoencoder_.encode(images));  // [B, L]
  }
  const auto times = (random.uniform({B}) * static_cast<double>(T)).to(torch::kInt64).clamp_max(T - 1);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options_.seed * 7919ULL + static_cast<uint64_t>(completed_steps_));
  std::vector<torch::Tensor> noisy;
  for (int64_t b = 0; b < B; ++b) noisy.push_back(process_.sample_marginal(x0[b].cpu(), times[b].item<int64_t>(), generator));
  const auto x_t = torch::stack(noisy).to(device_);

  network_.set_training(true);
  const auto c_noise = times.to(torch::kFloat32).to(device_) / static_cast<double>(T);
  const auto logits = network_.forward(x_t.view({B, height, width}), c_noise).view({B, K, L});
  const auto log_p0 = torch::log_softmax(logits, 1);
  const auto true_log_p0 = log_p0.gather(1, x0.unsqueeze(1)).squeeze(1);  // [B, L]
  std::vector<torch::Tensor> per_sample;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t t = times[b].item<int64_t>();
    torch::Tensor vb;
    if (t == 0) {
      vb = -true_log_p0[b].sum();
    } else {
      const auto one_hot = torch::one_hot(x0[b], K).t().to(torch::kFloat32).log();
      const auto target = process_.log_posterior(one_hot, x_t[b], t);
      const auto predicted = process_.log_posterior(log_p0[b], x_t[b], t);
      vb = categorical_kl(target, predicted).sum();
    }
    const auto aux = -true_log_p0[b].sum() * (2.0 - static_cast<double>(t) / static_cast<double>(T));
    per_sample.push_back(static_cast<double>(T) * (vb + options_.auxiliary_weight * aux) / static_cast<double>(L));
  }
  const auto loss = torch::stack(per_sample).mean();
  if (!torch::isfinite(loss).item<bool>())
    throw std::runtime_error("token training: the loss became " + std::to_string(loss.item<double>()) + " at step " +
                             std::to_string(completed_steps_ + 1) + " (lower the learning rate)");
  auto& adam = optimizer_->adam;
  adam.zero_grad();
  loss.backward();
  if (options_.gradient_clip > 0) torch::nn::utils::clip_grad_norm_(network_.parameters(), options_.gradient_clip);
  set_warmup_learning_rate(adam, options_.learning_rate, options_.warmup_steps, completed_steps_);
  adam.step();
  update_weight_average(ema_, network_, options_.ema_decay, completed_steps_);

  TokenTrainingStep result;
  const auto masked = x_t == process_.mask();
  result.masked_cross_entropy =
      masked.any().item<bool>() ? (-true_log_p0.detach().masked_select(masked)).mean().item<double>() : 0.0;
  ++completed_steps_;
  result.step = completed_steps_;
  result.loss = loss.item<double>();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  training_seconds_ += result.seconds;
  return result;
}

void TokenDenoiserTrainer::save_checkpoint(const std::filesystem::path& path) const {
  torch::serialize::OutputArchive archive, model;
  network_.module()->save(model);
  archive.write("model", model);
  write_adam_moments(archive, optimizer_->adam, network_.parameters());
  write_training_counters(archive, {completed_steps_, training_seconds_});
  archive.save_to(path.string());
}

void TokenDenoiserTrainer::load_checkpoint(const std::filesystem::path& path, const std::filesystem::path& ema_weights) {
  const auto expected = network_.parameter_shapes();
  try {
    torch::serialize::InputArchive archive, model;
    archive.load_from(path.string(), device_);
    archive.read("model", model);
    network_.module()->load(model);
    network_.check_parameter_shapes(expected, path.string());
    ema_.load(ema_weights, device_);
    read_adam_moments(archive, optimizer_->adam, network_.parameters());
    const auto counters = read_training_counters(archive);
    completed_steps_ = counters.completed_steps;
    training_seconds_ = counters.training_seconds;
  } catch (const c10::Error& error) {
    throw std::runtime_error("cannot resume from checkpoint '" + path.string() +
                             "': it does not match this network configuration (" + error.what_without_backtrace() + ")");
  }
}

UNet TokenDenoiserTrainer::ema_network() const {
  auto copy = ema_.clone();
  copy.set_training(false);
  return copy;
}

}  // namespace diffrecon
