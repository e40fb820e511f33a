// A prior's model card: the JSON file that travels with its weights and says how to use them
// (parameterisation, conditioning, channels, normalisation, schedule), where they came from (training data,
// steps, hours, command, seed) and the SHA-256 of every weights file, which loading checks. A prior may
// need several files (a VQ prior: transformer, VQ-VAE, codebook); the card lists them as
//   "weights": [{"role": "denoiser", "file": "weights.pt", "sha256": "..."}, ...]
// and the single-file form "weights": "weights.pt", "sha256": "..." (the shipped cards) still reads.
#pragma once

#include "priors/unet.h"
#include "priors/vq_autoencoder.h"
#include "core/error.h"
#include "core/problem.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace diffrecon {

// What the network's output means.
enum class Parameterisation { Denoiser, Epsilon, Score };
// What the network is conditioned on: EDM sigma, or the VP time (discrete index 0..N-1 or continuous t in [0, 1]).
enum class Conditioning { Sigma, VpDiscreteTimestep, VpContinuousTime };

// How physical images map to the prior's range: x_prior = (x - offset) / scale, where for "percentile" the
// scale is the given percentile of |x| divided by `target` (computed per image), and for "fixed" it is `scale`.
struct NormalizationSpec {
  std::string kind = "percentile";  // "percentile" | "fixed"
  double percentile = 99.0;
  double target = 1.0;
  double scale = 1.0;
  double offset = 0.0;

  // The normalisation a problem applies for this prior. `estimate` is a first image estimate in physical
  // units (e.g. the zero-filled or FBP reconstruction); only the percentile kind looks at it.
  IntensityNormalization for_image(const torch::Tensor& estimate) const;
};

struct TrainingRecord {
  std::string data;         // what it was trained on (file names, generator)
  std::string command;      // the command that reproduces it
  int64_t steps = 0;        // cumulative
  double hours = 0.0;       // cumulative wall-clock
  int64_t patch_size = 0;   // training resolution (0: whole images)
  uint64_t seed = 0;
  std::string machine;      // e.g. "2-core CPU" or "H200 GPU"
  // Every run that contributed, in order ("steps A-B: command"), when training was resumed with changes.
  std::vector<std::string> history;
};

// One file of weights a prior needs: what it is for, where it is (relative to the card), its SHA-256.
struct WeightFile {
  std::string role;
  std::string file;
  std::string sha256;
};

// A discrete prior's autoencoder and process (format "vq-diffusion"; docs/priors.md, "Discrete prior").
struct VqSection {
  VqAutoencoderConfig autoencoder;  // channels follow the card's
  int64_t diffusion_steps = 100;    // T of the VQ-Diffusion process
  int64_t autoencoder_steps = 0;    // training steps of the autoencoder (the card's `training.steps` are the token denoiser's)
  double autoencoder_hours = 0.0;   // its training time (the card's `training.hours` are the token denoiser's)
};

// A model card that cannot be read: missing, not JSON, a field missing or of the wrong kind.
class ModelCardError : public InputError {
 public:
  using InputError::InputError;
};

struct ModelCard {
  std::string name;
  std::string description;
  std::string format = "builtin-unet";  // "builtin-unet" | "torchscript" | "vq-diffusion"
  // The main network's file (relative to the card) and its SHA-256, which reports record as the
  // prior's checksum: the first entry of a list, the only one of a single-file card.
  std::string weights;
  std::string sha256;
  std::string weights_role = "denoiser";
  std::vector<WeightFile> other_weights;  // further files after the main one, each checked on loading
  Parameterisation parameterisation = Parameterisation::Denoiser;
  Conditioning conditioning = Conditioning::Sigma;
  int64_t channels = 1;
  bool complex = false;                 // 2 channels are (real, imaginary) of a complex image
  double sigma_data = 0.5;
  double sigma_min = 0.002;             // noise range the prior was trained for (sampling defaults)
  double sigma_max = 80.0;
  int64_t vp_timesteps = 1000;          // VP discrete conditioning: linear(1e-4, 0.02) betas over this many steps
  double vp_time_scale = 1.0;           // VP continuous conditioning: the network sees vp_time_scale * t (DAPS: 999)
  UNetConfig network;                   // builtin-unet; vq-diffusion: the token denoiser
  VqSection vq;                         // vq-diffusion only
  NormalizationSpec normalization;
  TrainingRecord training;

  // Every weights file, the main one first.
  std::vector<WeightFile> weight_files() const;

  // Throws ModelCardError naming the file and the field on anything missing or malformed.
  static ModelCard read(const std::filesystem::path& path);
  // The single-file form when there is one file with the role "denoiser", the list otherwise.
  std::string to_json() const;
};

std::string to_string(Parameterisation parameterisation);
std::string to_string(Conditioning conditioning);

}  // namespace diffrecon
