// What the sampler benchmarks share: one table row per method, and running every requested sampler and
// preset of the registry on one problem (bench/sampler_benchmark.cpp, bench/mri_heldout_benchmark.cpp).
#pragma once

#include "core/problem.h"
#include "io/image_file.h"
#include "priors/prior_file.h"
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
};

inline void print_header(const char* title) {
  std::printf("\n%s\n| image | method | PSNR (dB) | SSIM | seconds | NFE | within 2 std |\n|---|---|---|---|---|---|---|\n",
              title);
}

inline void print_row(const Row& r) {
  char calibration[32] = "-";
  if (r.calibration >= 0) std::snprintf(calibration, sizeof calibration, "%.3f", r.calibration);
  std::printf("| %s | %s | %.2f | %.4f | %.1f | %lld | %s |\n", r.image.c_str(), r.method.c_str(), r.psnr, r.ssim,
              r.seconds, static_cast<long long>(r.nfe), calibration);
  std::fflush(stdout);
}

// Every requested sampler and preset on one problem. `score(x)` gives (PSNR, SSIM) of a physical-unit
// image; `calibration(mean, std)` the fraction of pixels within 2 std. With several chains a second line
// gives the PSNR of the mean of the first 1, 2, 4, ... chains (how far more chains would carry it).
inline void run_samplers(const SamplerSweep& sweep, const std::string& image, const Problem& problem,
                         const torch::Tensor& estimate, const LoadedPrior& prior, ProjectionPreconditioner projection,
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
      auto result = reconstruct_posterior(problem, estimate, prior.card, prior.denoiser, recipe, options);
      Row row{image, method + " (" + preset + ")"};
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
