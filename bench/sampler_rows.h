// What the sampler benchmarks share: one table row per method, and running every requested sampler and
// preset of the registry on one problem (bench/sampler_benchmark.cpp, bench/mri_heldout_benchmark.cpp).
#pragma once

#include "core/problem.h"
#include "io/image_file.h"
#include "priors/network_token_prior.h"
#include "priors/prior_file.h"
#include "recon/pipeline/peak_memory.h"
#include "samplers/posterior_reconstruction.h"
#include "samplers/sampler_parameters.h"
#include "samplers/sampler_presets.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace diffrecon::bench {

inline std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) items.push_back(item);
  return items;
}

struct SamplerSweep {
  std::vector<std::string> methods{"dps", "mcg", "daps", "reddiff"};
  std::vector<std::string> presets{"fast"};
  std::map<std::string, std::map<std::string, std::string>> overrides;  // method -> name -> value
  int64_t samples = 4;
  uint64_t seed = 0;
  std::string keep;  // a folder for PNGs of every mean and std map; empty: none
};

// --set METHOD:name=value,...: overrides of one method's parameters.
inline void add_overrides(SamplerSweep& sweep, const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw std::invalid_argument("--set expects METHOD:name=value,...");
  for (const auto& [name, value] : parse_sampler_overrides(text.substr(colon + 1)))
    sweep.overrides[text.substr(0, colon)][name] = value;
}

// Writes `image` (magnitude) as DIR/<name>.png through the window [0, high] when a folder is set.
inline void keep_png(const std::string& folder, const std::string& name, const torch::Tensor& image, double high) {
  if (folder.empty()) return;
  std::string file;
  for (char c : name) file += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  write_png(std::filesystem::path(folder) / (file + ".png"), image.abs().to(torch::kFloat).cpu(), DisplayWindow{0.0, high},
            Overwrite::Allow);
}

struct Row {
  std::string image, method;
  double psnr = 0, ssim = 0, seconds = 0, calibration = -1;
  int64_t nfe = 0;
  int64_t decoder_passes = -1;  // G2D2's VQ decoder evaluations per chain (-1: not a discrete method)
  double peak_mib = -1;         // peak resident memory of the run (-1: not measured)
};

inline void print_header(const char* title) {
  std::printf("\n%s\n| image | method | PSNR (dB) | SSIM | seconds | NFE | decoder passes | peak MiB | within 2 std |\n"
              "|---|---|---|---|---|---|---|---|---|\n",
              title);
}

inline void print_row(const Row& r) {
  char calibration[32] = "-", decoder[32] = "-", peak[32] = "-";
  if (r.calibration >= 0) std::snprintf(calibration, sizeof calibration, "%.3f", r.calibration);
  if (r.decoder_passes >= 0) std::snprintf(decoder, sizeof decoder, "%lld", static_cast<long long>(r.decoder_passes));
  if (r.peak_mib >= 0) std::snprintf(peak, sizeof peak, "%.0f", r.peak_mib);
  std::printf("| %s | %s | %.2f | %.4f | %.1f | %lld | %s | %s | %s |\n", r.image.c_str(), r.method.c_str(), r.psnr,
              r.ssim, r.seconds, static_cast<long long>(r.nfe), decoder, peak, calibration);
  std::fflush(stdout);
}

// Dec(Q(Enc(x))) of the truth in physical units, normalised as the sampler normalises (the card's
// rule on the same first estimate): the best any sample of the discrete prior can be (its ceiling).
inline torch::Tensor decoder_ceiling(const LoadedPrior& token_prior, const torch::Tensor& truth,
                                     const torch::Tensor& estimate) {
  const auto* network = dynamic_cast<const NetworkTokenPrior*>(token_prior.tokens.get());
  if (!network) throw std::invalid_argument("the decoder ceiling needs a trained (vq-diffusion) prior");
  const auto normalization = token_prior.card.normalization.for_image(estimate);
  const auto normalized = normalization.normalize(truth);
  const auto channels = token_prior.card.complex ? complex_to_channels(normalized) : normalized.unsqueeze(0);
  torch::NoGradGuard no_grad;
  const auto& autoencoder = network->autoencoder();
  const int64_t f = autoencoder.config().downsampling(), height = truth.size(-2), width = truth.size(-1);
  // Padded to whole tokens with zeros (the prior's own padding) and cropped back.
  const auto padded = torch::constant_pad_nd(channels.to(torch::kFloat32).unsqueeze(0),
                                             {0, (f - width % f) % f, 0, (f - height % f) % f});
  const auto decoded = autoencoder.reconstruct(padded)[0].narrow(1, 0, height).narrow(2, 0, width).to(torch::kFloat64);
  return normalization.denormalize(token_prior.card.complex ? channels_to_complex(decoded) : decoded[0]);
}

// Every requested sampler and preset on one problem. `score(x)` gives (PSNR, SSIM) of a physical-unit
// image; `calibration(mean, std)` the fraction of pixels within 2 std. With several chains a second line
// gives the PSNR of the mean of the first 1, 2, 4, ... chains (how far more chains would carry it).
// g2d2 samples with `token_prior` (a vq-diffusion card), every other method with `prior`.
inline void run_samplers(const SamplerSweep& sweep, const std::string& image, const Problem& problem,
                         const torch::Tensor& estimate, const LoadedPrior& prior, const LoadedPrior* token_prior,
                         ProjectionPreconditioner projection,
                         const std::function<std::pair<double, double>(const torch::Tensor&)>& score,
                         const std::function<double(const torch::Tensor&, const torch::Tensor&)>& calibration,
                         std::vector<Row>& rows, double keep_high) {
  for (const auto& method : sweep.methods) {
    for (const auto& preset : sweep.presets) {
      SamplerRecipe recipe{method, parse_sampler_preset(preset), projection, {}};
      if (auto found = sweep.overrides.find(method); found != sweep.overrides.end()) recipe.overrides = found->second;
      SamplingOptions options;
      options.samples = sweep.samples;
      options.seed = sweep.seed;
      options.keep_samples = sweep.samples > 1;
      const bool discrete = method == "g2d2";
      if (discrete && !token_prior) throw std::invalid_argument("g2d2 needs a discrete prior (--vq-prior CARD)");
      const auto& used = discrete ? *token_prior : prior;
      const PeakMemoryMeter memory;
      auto result = reconstruct_posterior(problem, estimate, used.card, SamplerPrior{used.denoiser, used.tokens}, recipe,
                                          options);
      Row row{image, method + " (" + preset + ")"};
      row.peak_mib = static_cast<double>(memory.peak_bytes()) / (1 << 20);
      if (discrete) row.decoder_passes = result.sampling.decoder_evaluations;
      keep_png(sweep.keep, image + " " + row.method + " mean", result.sampling.mean, keep_high);
      if (result.sampling.std.defined())
        keep_png(sweep.keep, image + " " + row.method + " std", result.sampling.std, 0.25 * keep_high);
      std::tie(row.psnr, row.ssim) = score(result.sampling.mean);
      row.seconds = result.sampling.seconds;
      row.nfe = result.sampling.nfe;
      if (result.sampling.std.defined()) row.calibration = calibration(result.sampling.mean, result.sampling.std);
      print_row(row);
      rows.push_back(row);
      if (options.keep_samples) {
        std::string curve;
        for (int64_t n = 1; n <= sweep.samples; n *= 2)
          curve += " " + std::to_string(n) + ": " +
                   c10::str(std::round(score(result.sampling.samples.slice(0, 0, n).mean(0)).first * 100) / 100);
        std::printf("|   | PSNR of the mean of the first n chains |%s | | | | |\n", curve.c_str());
      }
    }
  }
}

}  // namespace diffrecon::bench
