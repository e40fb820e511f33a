// The options every command shares when it reconstructs by posterior sampling (`diffrecon mri` and
// `diffrecon ct` with --method dps|mcg|daps|reddiff, and the demo), and the one place that loads the
// prior, runs the sampler behind a progress bar and writes the file outputs: the mean, the standard
// deviation map next to it (`<name>_std<ext>`, when --samples > 1) and a JSON report (`<name>.json`).
#pragma once

#include "recon/cli/command_line.h"
#include "samplers/posterior_reconstruction.h"

#include <filesystem>
#include <optional>
#include <string>

namespace diffrecon::cli {

// Lines for --help.
extern const char* const kPosteriorOptionsUsage;

bool is_posterior_method(const std::string& method);

struct PosteriorOptions {
  SamplerRecipe recipe;
  std::filesystem::path prior;  // model card
  int64_t samples = 1;
  int64_t batch = 0;
  uint64_t seed = 0;
};

// Takes --prior (required), --preset, --samples, --batch, --seed and --param; `default_prior` is used
// when --prior is absent and not empty.
PosteriorOptions take_posterior_options(CommandLine& line, const std::string& method,
                                        const std::string& default_prior = "");

struct PosteriorRun {
  PosteriorReconstruction reconstruction;
  ModelCard card;
  std::string card_path;
};

// Loads the prior on `device`, samples with a progress bar labelled `label`.
PosteriorRun run_posterior(const Problem& physical, const torch::Tensor& estimate, const PosteriorOptions& options,
                           torch::Device device, const std::string& label);

// `<stem>_std<ext>` and `<stem>.json` for an output file (handles .nii.gz).
std::filesystem::path std_map_path(const std::filesystem::path& out);
std::filesystem::path report_path(const std::filesystem::path& out);

// Throws UsageError when the report or (samples > 1) the std map next to `out` exists and overwriting
// was not asked for: the mean, the std map and the report appear together, so all are checked before
// any work.
void refuse_existing_posterior_outputs(const std::filesystem::path& out, int64_t samples, bool overwrite);

// The JSON report of a file output: command, method, every parameter, prior id and checksum, seed,
// samples, NFE, seconds, peak memory, outputs, and `metrics` (e.g. PSNR/SSIM against --reference).
void write_posterior_report(const std::filesystem::path& path, const std::string& command, const PosteriorRun& run,
                            const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
                            const std::vector<std::pair<std::string, double>>& metrics, bool overwrite);

}  // namespace diffrecon::cli
