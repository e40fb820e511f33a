#include "recon/cli/posterior_options.h"

#include "samplers/sampler_presets.h"

#include <algorithm>
#include <cstdio>

namespace diffrecon::cli {

const OptionGroup& posterior_option_group() {
  static const OptionGroup group{
      "posterior sampling (--method " + sampler_method_names() + ")",
      {{"--prior", "CARD", "the prior's model card (models/mri-brain/model.json, models/ct-body/model.json)"},
       {"--preset", "fast|full",
        "full: the official defaults (DPS/MCG 1000 steps, DAPS-1K, RED-diff 1000 steps);\n"
        "fast (default): short schedules, about a minute for a 256 x 256 slice on 2 cores"},
       {"--samples", "N", "chains; N > 1 also writes the pixel-wise posterior standard deviation (default 1)"},
       {"--batch", "N", "chains evaluated together (default: all); recorded: it can change the last bits"},
       {"--slice-batch", "N",
        "slices of a volume sampled together, one network pass for all (default: up to 8\n"
        "images per pass on the CPU, 32 on a GPU; DPS and MCG sample slices one by one); recorded"},
       {"--seed", "S", "the same seed gives the same bits on the CPU (default 0)"},
       {"--param", "k=v,...",
        "override a sampler parameter, e.g. zeta=2 (dps), lr=1e-4,tau=0.01 (daps),\n"
        "lambda=0.25,lr=0.1 (reddiff), steps=200 (dps, mcg, reddiff); the report lists them all"}}};
  return group;
}

bool is_posterior_method(const std::string& method) { return is_sampler_name(method); }

PosteriorSettings take_posterior_settings(CommandLine& line, const std::string& method, const std::string& default_prior) {
  PosteriorSettings settings;
  settings.recipe.method = method;
  auto prior = line.take_option("--prior");
  if (!prior && default_prior.empty())
    throw UsageError("--method " + method + " needs --prior CARD (a model card, e.g. models/mri-brain/model.json)");
  settings.prior_card = prior ? *prior : default_prior;
  if (auto preset = line.take_option("--preset")) {
    try {
      settings.recipe.preset = parse_sampler_preset(*preset);
    } catch (const InputError& error) {
      throw UsageError(std::string("--preset: ") + error.what());
    }
  }
  try {
    if (auto params = line.take_option("--param")) settings.recipe.overrides = parse_sampler_overrides(*params);
    check_sampler_recipe(settings.recipe);  // an unknown parameter is refused now, before any file is read
  } catch (const InputError& error) {
    throw UsageError(std::string("--param: ") + error.what());
  }
  if (auto samples = line.take_int_option("--samples", 1)) settings.samples = *samples;
  if (auto batch = line.take_int_option("--batch", 1)) settings.batch = *batch;
  if (auto slice_batch = line.take_int_option("--slice-batch", 0)) settings.slice_batch = *slice_batch;
  if (auto seed = line.take_int_option("--seed", 0)) settings.seed = static_cast<uint64_t>(*seed);
  return settings;
}

void SamplingProgressBars::update(const std::string& label, const SamplingProgress& p) {
  const int64_t batches = std::max<int64_t>(p.chain_batches, 1);
  if (label != label_ || !bar_) {
    finish();
    bar_.emplace(label, batches * p.step.steps);
    label_ = label;
  }
  char status[128];
  const std::string batch =
      batches > 1 ? "batch " + std::to_string(p.chain_batch) + "/" + std::to_string(batches) + ", " : "";
  if (p.step.timestep >= 0)
    std::snprintf(status, sizeof status, "%st %lld, masked %.2f, residual %.3g, NFE %lld", batch.c_str(),
                  static_cast<long long>(p.step.timestep), p.step.masked, p.step.residual_norm,
                  static_cast<long long>(p.step.nfe));
  else
    std::snprintf(status, sizeof status, "%ssigma %.3g, residual %.3g, NFE %lld", batch.c_str(), p.step.sigma,
                  p.step.residual_norm, static_cast<long long>(p.step.nfe));
  bar_->update((std::max<int64_t>(p.chain_batch, 1) - 1) * p.step.steps + p.step.step, status);
}

void SamplingProgressBars::finish() {
  if (bar_) bar_->finish("done");
  bar_.reset();
  label_.clear();
}

JobObserver printing_observer(SamplingProgressBars& bars) {
  JobObserver observer;
  observer.log = [](const std::string& text) { std::fprintf(stderr, "%s\n", text.c_str()); };
  observer.sampling = [&bars](const std::string& label, const SamplingProgress& p) { bars.update(label, p); };
  return observer;
}

}  // namespace diffrecon::cli
