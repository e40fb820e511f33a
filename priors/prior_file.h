// Loading a prior from its model card: checks every weights file's SHA-256 against the card, builds the network
// the card describes (built-in U-Net or TorchScript) and wraps it as a Denoiser in EDM form, or, for a
// "vq-diffusion" card, builds its token denoiser and VQ autoencoder as a TokenPrior (G2D2's).
#pragma once

#include "priors/denoiser.h"
#include "priors/model_card.h"
#include "priors/token_prior.h"

#include <filesystem>

namespace diffrecon {

struct LoadedPrior {
  ModelCard card;
  DenoiserPtr denoiser;     // continuous priors
  TokenPriorPtr tokens;     // discrete (vq-diffusion) priors
  std::filesystem::path card_path;
};

// Throws std::runtime_error naming the file when the card is malformed, a weights file is missing or its
// checksum differs from the card's. The denoiser is built from the main file (ModelCard::weights).
LoadedPrior load_prior(const std::filesystem::path& card_path, torch::Device device = torch::kCPU);

}  // namespace diffrecon
