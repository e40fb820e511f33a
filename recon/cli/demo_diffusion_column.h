// The demo's diffusion column: the posterior mean and standard deviation of the image given the
// k-space, sampled with the shipped MRI prior (models/mri-brain) and the default sampler and preset
// (kDemoSampler). The demo writes the mean as its DICOM image series and the standard deviation as the
// second (uncertainty) series of the same study, and records prior, checksum, seed and NFE.
#pragma once

#include "mri/sense_operator.h"
#include "samplers/sampler_presets.h"

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace diffrecon::cli {

struct DiffusionColumn {
  torch::Tensor mean, std;  // complex [H, W] / real [H, W]
  std::string method;       // e.g. "daps (fast), 4 samples"
  std::string prior_id, prior_sha256;
  std::vector<std::pair<std::string, std::string>> parameters;
  uint64_t seed = 0;
  int64_t nfe = 0;          // per chain
  double seconds = 0;
};

// The shipped prior's model card: $DIFFRECON_MODELS/<name>/model.json when that variable is set, else
// the source tree's models/ this binary was built from. Throws std::runtime_error naming both places
// when neither holds it.
std::filesystem::path shipped_prior_card(const std::string& name);

// The demo's default sampler and preset (the best of the four on the MRI benchmark, README table).
SamplerRecipe demo_sampler_recipe();

// `progress(done, total)` is called as sampling proceeds. `samples` chains give the std map.
DiffusionColumn diffusion_column(std::shared_ptr<const mri::SenseOperator> sense, const torch::Tensor& kspace,
                                 const SamplerRecipe& recipe, uint64_t seed, int64_t samples, torch::Device device,
                                 const std::function<void(int64_t, int64_t)>& progress);

}  // namespace diffrecon::cli
