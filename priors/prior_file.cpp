#include "priors/prior_file.h"

#include "priors/edm_denoiser.h"
#include "priors/network_denoisers.h"
#include "priors/network_token_prior.h"
#include "priors/torchscript_network.h"
#include "core/sha256.h"

#include <stdexcept>

namespace diffrecon {
namespace {

// The adapter the card's parameterisation and conditioning call for.
DenoiserPtr torchscript_denoiser(const ModelCard& card, const std::filesystem::path& weights,
                                 const std::filesystem::path& card_path, torch::Device device) {
  auto network = load_torchscript_network(weights, device);
  const auto p = card.parameterisation;
  const auto c = card.conditioning;
  if (p == Parameterisation::Denoiser && c == Conditioning::Sigma)
    return std::make_shared<SigmaNetworkDenoiser>(network, SigmaNetworkDenoiser::Output::Denoised, card.channels, card.name);
  if (p == Parameterisation::Score && c == Conditioning::Sigma)
    return std::make_shared<SigmaNetworkDenoiser>(network, SigmaNetworkDenoiser::Output::Score, card.channels, card.name);
  if (p == Parameterisation::Epsilon && c == Conditioning::VpDiscreteTimestep)
    return std::make_shared<VpEpsilonDenoiser>(network, std::make_shared<VpDiscreteSchedule>(1e-4, 0.02, card.vp_timesteps),
                                               1.0, card.channels, card.name);
  if (p == Parameterisation::Epsilon && c == Conditioning::VpContinuousTime)
    return std::make_shared<VpEpsilonDenoiser>(network, std::make_shared<VpContinuousSchedule>(), card.vp_time_scale,
                                               card.channels, card.name);
  throw std::runtime_error("prior '" + card_path.string() + "': a " + to_string(p) + " network conditioned on " +
                           to_string(c) + " is not supported (denoiser or score on sigma, epsilon on VP time)");
}

// The token denoiser, autoencoder and codebook of a vq-diffusion card (weights checked already).
TokenPriorPtr token_prior(const ModelCard& card, const std::filesystem::path& card_path, torch::Device device) {
  const auto folder = card_path.parent_path();
  auto file_of = [&](const std::string& role) {
    for (const auto& file : card.weight_files())
      if (file.role == role) return folder / file.file;
    throw std::runtime_error("prior '" + card_path.string() + "': a vq-diffusion card needs a '" + role +
                             "' weights file (token-denoiser, vq-autoencoder, codebook)");
  };
  const auto weights = file_of("token-denoiser"), autoencoder_weights = file_of("vq-autoencoder"),
             codebook = file_of("codebook");
  UNet network(card.network);
  try {
    network.load(weights);
  } catch (const c10::Error& error) {
    throw std::runtime_error("prior '" + card_path.string() + "': token denoiser '" + weights.string() +
                             "' does not fit the network the card describes: " + error.what_without_backtrace());
  }
  network.to(device);
  auto config = card.vq.autoencoder;
  config.channels = card.channels;
  VqAutoencoder autoencoder(config);
  autoencoder.load(autoencoder_weights, codebook, device);
  return std::make_shared<NetworkTokenPrior>(std::move(network), std::move(autoencoder),
                                             VqDiffusionProcess(config.codebook_size, card.vq.diffusion_steps));
}

}  // namespace

LoadedPrior load_prior(const std::filesystem::path& card_path, torch::Device device) {
  auto card = ModelCard::read(card_path);
  for (const auto& file : card.weight_files()) {
    const auto path = card_path.parent_path() / file.file;
    if (!std::filesystem::is_regular_file(path))
      throw std::runtime_error("prior '" + card_path.string() + "': " + file.role + " weights file '" + path.string() +
                               "' is missing");
    const auto checksum = sha256_file_hex(path);
    if (checksum != file.sha256)
      throw std::runtime_error("prior '" + card_path.string() + "': " + file.role + " weights '" + path.string() +
                               "' have SHA-256 " + checksum + " but the model card says " + file.sha256 +
                               " (the file was changed or belongs to another card)");
  }
  const auto weights = card_path.parent_path() / card.weights;
  if (card.format == "vq-diffusion") {
    auto tokens = token_prior(card, card_path, device);
    return {std::move(card), nullptr, std::move(tokens), card_path};
  }
  if (card.format == "torchscript") return {card, torchscript_denoiser(card, weights, card_path, device), nullptr, card_path};
  if (card.parameterisation != Parameterisation::Denoiser || card.conditioning != Conditioning::Sigma)
    throw std::runtime_error("prior '" + card_path.string() + "': built-in networks are EDM denoisers conditioned on sigma");
  UNet network(card.network);
  try {
    network.load(weights);
  } catch (const c10::Error& error) {
    throw std::runtime_error("prior '" + card_path.string() + "': weights '" + weights.string() +
                             "' do not fit the network the card describes: " + error.what_without_backtrace());
  }
  network.to(device);
  network.set_training(false);
  for (auto& p : network.parameters()) p.set_requires_grad(false);
  // Frozen weights: passes without gradient may run channels-last, measured faster on CPU only.
  auto denoiser = std::make_shared<EdmDenoiser>(network, card.sigma_data, /*channels_last_inference=*/device.is_cpu());
  return {std::move(card), std::move(denoiser), nullptr, card_path};
}

}  // namespace diffrecon
