// The demo's diffusion column: the posterior mean and standard deviation of the image given the
// k-space, sampled with the shipped MRI prior and the default sampler. This is the one place the
// demo calls into the posterior samplers (issue 6); until they land it returns nothing, and the demo
// shows an empty panel and says that the diffusion sampler is not yet available. When it returns a
// result, the demo writes the mean as its DICOM image series and the standard deviation as the
// second (uncertainty) series of the same study, and records prior, checksum, seed and NFE.
#pragma once

#include "mri/sense_operator.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace diffrecon::cli {

struct DiffusionColumn {
  torch::Tensor mean, std;  // complex [H, W] / real [H, W]
  std::string method;       // e.g. "DPS, 100 steps, 8 samples"
  std::string prior_id, prior_sha256;
  uint64_t seed = 0;
  int64_t nfe = 0;
};

// Why there is no diffusion column yet (printed by the demo and written to its report).
extern const char* const kDiffusionColumnUnavailable;

// `progress(done, total)` is called as sampling proceeds.
std::optional<DiffusionColumn> diffusion_column(const mri::SenseOperator& sense, const torch::Tensor& kspace,
                                                uint64_t seed, const std::function<void(int64_t, int64_t)>& progress);

}  // namespace diffrecon::cli
