#include "priors/model_card.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace diffrecon {
namespace {

using nlohmann::json;

Parameterisation parse_parameterisation(const std::string& text) {
  if (text == "denoiser") return Parameterisation::Denoiser;
  if (text == "epsilon") return Parameterisation::Epsilon;
  if (text == "score") return Parameterisation::Score;
  throw std::invalid_argument("parameterisation '" + text + "' (expected denoiser, epsilon or score)");
}

Conditioning parse_conditioning(const std::string& text) {
  if (text == "sigma") return Conditioning::Sigma;
  if (text == "vp-discrete-timestep") return Conditioning::VpDiscreteTimestep;
  if (text == "vp-continuous-time") return Conditioning::VpContinuousTime;
  throw std::invalid_argument("conditioning '" + text + "' (expected sigma, vp-discrete-timestep or vp-continuous-time)");
}

}  // namespace

std::string to_string(Parameterisation parameterisation) {
  switch (parameterisation) {
    case Parameterisation::Denoiser: return "denoiser";
    case Parameterisation::Epsilon: return "epsilon";
    case Parameterisation::Score: return "score";
  }
  return "?";
}

std::string to_string(Conditioning conditioning) {
  switch (conditioning) {
    case Conditioning::Sigma: return "sigma";
    case Conditioning::VpDiscreteTimestep: return "vp-discrete-timestep";
    case Conditioning::VpContinuousTime: return "vp-continuous-time";
  }
  return "?";
}

IntensityNormalization NormalizationSpec::for_image(const torch::Tensor& estimate) const {
  if (kind == "fixed") return {scale, offset};
  return IntensityNormalization::from_percentile(estimate, percentile, target);
}

namespace {

// The card's integers are read with json::get<int64_t>, which converts a floating-point value with a
// plain cast: undefined past the int64 range (found by tests/fuzz/model_card_fuzzer, 1.3e78). No card
// has a number that large, so any is refused before a field is read.
void require_numbers_in_range(const json& value, const std::filesystem::path& path) {
  if (value.is_number_float() && !(std::abs(value.get<double>()) < 1e15))
    throw ModelCardError("model card '" + path.string() + "': the number " + value.dump() +
                         " is out of range (expected values below 1e15)");
  if (value.is_structured())
    for (const auto& item : value) require_numbers_in_range(item, path);
}

}  // namespace

ModelCard ModelCard::read(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ModelCardError("model card '" + path.string() + "' cannot be opened");
  ModelCard card;
  try {
    const json j = json::parse(in);
    require_numbers_in_range(j, path);
    card.name = j.at("name").get<std::string>();
    card.description = j.value("description", "");
    card.format = j.at("format").get<std::string>();
    if (card.format != "builtin-unet" && card.format != "torchscript" && card.format != "vq-diffusion")
      throw std::invalid_argument("format '" + card.format + "' (expected builtin-unet, torchscript or vq-diffusion)");
    const auto& weights = j.at("weights");
    if (weights.is_string()) {
      card.weights = weights.get<std::string>();
      card.sha256 = j.at("sha256").get<std::string>();
    } else {
      if (!weights.is_array() || weights.empty())
        throw std::invalid_argument("weights (expected a file name or a non-empty list of {role, file, sha256})");
      for (const auto& entry : weights) {
        WeightFile file{entry.at("role").get<std::string>(), entry.at("file").get<std::string>(),
                        entry.at("sha256").get<std::string>()};
        if (card.weights.empty()) {
          card.weights_role = file.role;
          card.weights = file.file;
          card.sha256 = file.sha256;
        } else {
          card.other_weights.push_back(std::move(file));
        }
      }
    }
    // A card names files inside its own folder: a card from elsewhere (a download, a shared drive) must
    // not make the tool read or checksum an arbitrary file.
    std::vector<std::string> names{card.weights};
    for (const auto& other : card.other_weights) names.push_back(other.file);
    for (const auto& name : names) {
      const std::filesystem::path file(name);
      bool inside = !name.empty() && file.is_relative();
      for (const auto& part : file) inside = inside && part != "..";
      if (!inside)
        throw std::invalid_argument("weights file '" + name + "' (expected a file inside the card's own folder)");
    }
    // A discrete prior has no noise-level parameterisation (its process is in "vq").
    if (card.format != "vq-diffusion") {
      card.parameterisation = parse_parameterisation(j.at("parameterisation").get<std::string>());
      card.conditioning = parse_conditioning(j.value("conditioning", "sigma"));
    }
    card.channels = j.at("channels").get<int64_t>();
    card.complex = j.value("complex", false);
    if (card.complex && card.channels != 2) throw std::invalid_argument("complex priors must have 2 channels");
    card.sigma_data = j.value("sigma_data", 0.5);
    card.sigma_min = j.value("sigma_min", 0.002);
    card.sigma_max = j.value("sigma_max", 80.0);
    card.vp_timesteps = j.value("vp_timesteps", int64_t{1000});
    card.vp_time_scale = j.value("vp_time_scale", 1.0);
    if (card.format == "vq-diffusion") {
      const auto& vq = j.at("vq");
      auto& autoencoder = card.vq.autoencoder;
      autoencoder.channels = card.channels;
      autoencoder.widths = vq.at("widths").get<std::vector<int64_t>>();
      autoencoder.blocks_per_level = vq.at("blocks_per_level").get<int64_t>();
      autoencoder.codebook_size = vq.at("codebook_size").get<int64_t>();
      autoencoder.code_dim = vq.at("code_dim").get<int64_t>();
      autoencoder.validate();
      card.vq.diffusion_steps = vq.value("diffusion_steps", int64_t{100});
      card.vq.autoencoder_steps = vq.value("autoencoder_steps", int64_t{0});
      card.vq.autoencoder_hours = vq.value("autoencoder_hours", 0.0);
    }
    if (card.format == "builtin-unet" || (card.format == "vq-diffusion" && j.contains("network"))) {
      const auto& network = j.at("network");
      card.network.channels = card.format == "vq-diffusion" ? network.at("token_embedding").get<int64_t>() : card.channels;
      if (card.format == "vq-diffusion") {
        card.network.input_classes = card.vq.autoencoder.codebook_size + 1;  // the tokens and [MASK]
        card.network.output_channels = card.vq.autoencoder.codebook_size;
      }
      card.network.base_width = network.at("base_width").get<int64_t>();
      card.network.width_multipliers = network.at("width_multipliers").get<std::vector<int64_t>>();
      card.network.blocks_per_level = network.at("blocks_per_level").get<int64_t>();
      card.network.coordinate_channels = network.value("coordinate_channels", false);
      card.network.validate();
    }
    const auto& normalization = j.at("normalization");
    card.normalization.kind = normalization.at("kind").get<std::string>();
    if (card.normalization.kind == "percentile") {
      card.normalization.percentile = normalization.at("percentile").get<double>();
      card.normalization.target = normalization.value("target", 1.0);
    } else if (card.normalization.kind == "fixed") {
      card.normalization.scale = normalization.at("scale").get<double>();
      card.normalization.offset = normalization.value("offset", 0.0);
    } else {
      throw std::invalid_argument("normalization kind '" + card.normalization.kind + "' (expected percentile or fixed)");
    }
    if (j.contains("training")) {
      const auto& training = j.at("training");
      card.training.data = training.value("data", "");
      card.training.command = training.value("command", "");
      card.training.steps = training.value("steps", int64_t{0});
      card.training.hours = training.value("hours", 0.0);
      card.training.patch_size = training.value("patch_size", int64_t{0});
      card.training.seed = training.value("seed", uint64_t{0});
      card.training.machine = training.value("machine", "");
      card.training.history = training.value("history", std::vector<std::string>{});
    }
  } catch (const json::exception& error) {
    throw ModelCardError("model card '" + path.string() + "' is malformed: " + error.what());
  } catch (const std::invalid_argument& error) {
    throw ModelCardError("model card '" + path.string() + "': unsupported " + error.what());
  }
  return card;
}

std::vector<WeightFile> ModelCard::weight_files() const {
  std::vector<WeightFile> files{{weights_role, weights, sha256}};
  files.insert(files.end(), other_weights.begin(), other_weights.end());
  return files;
}

std::string ModelCard::to_json() const {
  json j;
  j["name"] = name;
  j["description"] = description;
  j["format"] = format;
  if (other_weights.empty() && weights_role == "denoiser") {
    j["weights"] = weights;
    j["sha256"] = sha256;
  } else {
    j["weights"] = json::array();
    for (const auto& file : weight_files())
      j["weights"].push_back({{"role", file.role}, {"file", file.file}, {"sha256", file.sha256}});
  }
  j["channels"] = channels;
  j["complex"] = complex;
  if (format != "vq-diffusion") {
    j["parameterisation"] = to_string(parameterisation);
    j["conditioning"] = to_string(conditioning);
    j["sigma_data"] = sigma_data;
    j["sigma_min"] = sigma_min;
    j["sigma_max"] = sigma_max;
  }
  if (conditioning == Conditioning::VpDiscreteTimestep) j["vp_timesteps"] = vp_timesteps;
  if (conditioning == Conditioning::VpContinuousTime) j["vp_time_scale"] = vp_time_scale;
  const bool token_denoiser = format == "vq-diffusion" && network.input_classes > 0;
  if (format == "builtin-unet" || token_denoiser)
    j["network"] = {{"base_width", network.base_width},
                    {"width_multipliers", network.width_multipliers},
                    {"blocks_per_level", network.blocks_per_level},
                    {"coordinate_channels", network.coordinate_channels}};
  if (token_denoiser) j["network"]["token_embedding"] = network.channels;
  if (format == "vq-diffusion")
    j["vq"] = {{"widths", vq.autoencoder.widths},
               {"blocks_per_level", vq.autoencoder.blocks_per_level},
               {"codebook_size", vq.autoencoder.codebook_size},
               {"code_dim", vq.autoencoder.code_dim},
               {"diffusion_steps", vq.diffusion_steps},
               {"autoencoder_steps", vq.autoencoder_steps},
               {"autoencoder_hours", vq.autoencoder_hours}};
  if (normalization.kind == "percentile")
    j["normalization"] = {{"kind", "percentile"}, {"percentile", normalization.percentile}, {"target", normalization.target}};
  else
    j["normalization"] = {{"kind", "fixed"}, {"scale", normalization.scale}, {"offset", normalization.offset}};
  j["training"] = {{"data", training.data},         {"command", training.command},       {"steps", training.steps},
                   {"hours", training.hours},       {"patch_size", training.patch_size}, {"seed", training.seed},
                   {"machine", training.machine}, {"history", training.history}};
  return j.dump(2) + "\n";
}

}  // namespace diffrecon
