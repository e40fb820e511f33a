// The options every command shares when it reconstructs by posterior sampling (`diffrecon mri` and
// `diffrecon ct` with --method dps|mcg|daps|reddiff, and the demo), read into the pipeline's
// PosteriorSettings, and the progress bar the CLI draws while a job samples.
#pragma once

#include "recon/cli/command_line.h"
#include "recon/cli/progress_bar.h"
#include "recon/pipeline/reconstruction.h"

#include <optional>
#include <string>

namespace diffrecon::cli {

// --prior, --preset, --samples, --batch, --slice-batch, --seed, --param.
const OptionGroup& posterior_option_group();

bool is_posterior_method(const std::string& method);

// Takes the options above; `default_prior` is used when --prior is absent and not empty. Unknown
// sampler parameters are refused here, before any file is read.
PosteriorSettings take_posterior_settings(CommandLine& line, const std::string& method,
                                          const std::string& default_prior = "");

// Draws one bar per job for JobObserver::sampling, across its batches of chains and slices
// ("mri daps, 16 slices [=====   ] batch 2/4, sigma ..").
class SamplingProgressBars {
 public:
  void update(const std::string& label, const SamplingProgress& progress);
  void finish();

 private:
  std::optional<ProgressBar> bar_;
  std::string label_;
};

// A job observer that prints the job's log lines to stderr and draws `bars` while it samples.
JobObserver printing_observer(SamplingProgressBars& bars);

}  // namespace diffrecon::cli
