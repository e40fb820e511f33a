#include "priors/prior_file.h"

#include "priors/edm_denoiser.h"
#include "recon/core/sha256.h"

#include <stdexcept>

namespace diffrecon {

LoadedPrior load_prior(const std::filesystem::path& card_path, torch::Device device) {
  auto card = ModelCard::read(card_path);
  const auto weights = card_path.parent_path() / card.weights;
  if (!std::filesystem::is_regular_file(weights))
    throw std::runtime_error("prior '" + card_path.string() + "': weights file '" + weights.string() + "' is missing");
  const auto checksum = sha256_file_hex(weights);
  if (checksum != card.sha256)
    throw std::runtime_error("prior '" + card_path.string() + "': weights '" + weights.string() + "' have SHA-256 " +
                             checksum + " but the model card says " + card.sha256 +
                             " (the file was changed or belongs to another card)");
  if (card.format != "builtin-unet")
    throw std::runtime_error("prior '" + card_path.string() + "': format '" + card.format + "' is not supported yet");
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
  auto denoiser = std::make_shared<EdmDenoiser>(network, card.sigma_data);
  return {std::move(card), std::move(denoiser), card_path};
}

}  // namespace diffrecon
