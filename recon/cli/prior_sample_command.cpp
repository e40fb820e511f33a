// diffrecon prior sample: unconditional samples of a prior as a PNG sheet (magnitudes for complex priors).
#include "io/image_file.h"
#include "priors/prior_file.h"
#include "priors/unconditional_sampler.h"
#include "recon/cli/prior_command.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/runtime_options.h"

#include <cmath>
#include <cstdio>

namespace diffrecon::cli {

namespace {

const CommandSpec& sample_spec() {
  static const CommandSpec spec{
      "prior sample",
      {"prior sample --prior model.json --out FILE.png [options]"},
      "",
      {{"required", {{"--prior", "CARD", "the model card"}, {"--out", "FILE.png", "the sample sheet"}}},
       {"options",
        {{"--count", "N", "samples (default 8)"},
         {"--size", "N", "square sample size in pixels (default 128)"},
         {"--steps", "N", "Heun steps on the EDM sigma grid (default 32; 2N-1 prior evaluations)"},
         {"--seed", "S", "seed (default 0)"},
         {"--force", "", "overwrite --out"}}},
       runtime_option_group()},
      ""};
  return spec;
}

}  // namespace

int run_prior_sample(const std::vector<std::string>& arguments) {
  CommandLine line(arguments, sample_spec());
  if (line.take_flag("--help")) {
    std::fputs(sample_spec().help().c_str(), stdout);
    return 0;
  }
  const auto runtime = take_runtime_options(line);
  const auto prior_path = line.take_option("--prior");
  const auto out = line.take_option("--out");
  if (!prior_path || !out) throw UsageError("prior sample: --prior and --out are required\n\n" + sample_spec().help());
  const int64_t count = line.take_int_option("--count", 1).value_or(8);
  const int64_t size = line.take_int_option("--size", 8).value_or(128);
  UnconditionalSamplingOptions options;
  options.steps = line.take_int_option("--steps", 2).value_or(32);
  options.seed = static_cast<uint64_t>(line.take_int_option("--seed", 0).value_or(0));
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  line.expect_consumed("prior sample");

  const auto prior = load_prior(*prior_path, runtime.device);
  if (!prior.denoiser)
    throw UsageError("prior sample: '" + *prior_path + "' is a discrete (VQ) prior, for --method g2d2 of diffrecon mri "
                     "and ct; prior sample needs a continuous one");
  options.sigma_min = std::max(prior.card.sigma_min, 0.002);
  options.sigma_max = prior.card.sigma_max;
  ProgressBar progress("prior sample", options.steps);
  options.progress = [&](int64_t step, int64_t) { progress.update(step, ""); };
  const auto samples = sample_unconditional(*prior.denoiser, count, size, size, options, runtime.device).cpu();
  const auto shown = prior.card.complex ? channels_to_complex(samples).abs() : samples.select(1, 0);
  const auto columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(count))));
  write_png(*out, tile_images(shown, columns), DisplayWindow{0.0, std::max(1.0, shown.max().item<double>() * 0.9)},
            overwrite);
  progress.finish(std::to_string(count) + " samples of " + prior.card.name + " in " + *out);
  return 0;
}

}  // namespace diffrecon::cli
