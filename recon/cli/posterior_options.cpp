#include "recon/cli/posterior_options.h"

#include "io/atomic_output.h"
#include "priors/prior_file.h"
#include "recon/cli/progress_bar.h"
#include "core/version.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

namespace diffrecon::cli {

namespace fs = std::filesystem;

const char* const kPosteriorOptionsUsage = R"(posterior sampling (--method dps|mcg|daps|reddiff):
  --prior CARD        the prior's model card (models/mri-brain/model.json, models/ct-body/model.json)
  --preset fast|full  full: the official defaults (DPS/MCG 1000 steps, DAPS-1K, RED-diff 1000 steps);
                      fast (default): short schedules, about a minute for a 256 x 256 slice on 2 cores
  --samples N         chains; N > 1 also writes the pixel-wise posterior standard deviation (default 1)
  --batch N           chains evaluated together (default: all)
  --seed S            the same seed gives the same bits on the CPU (default 0)
  --param k=v,...     override a sampler parameter, e.g. zeta=2 (dps), lr=1e-4,tau=0.01 (daps),
                      lambda=0.25,lr=0.1 (reddiff), steps=200 (dps, mcg, reddiff); the report lists them all
  outputs: FILE (mean), FILE_std (std map, N > 1) and FILE.json (the report) for file outputs
)";

bool is_posterior_method(const std::string& method) { return is_sampler_name(method); }

PosteriorOptions take_posterior_options(CommandLine& line, const std::string& method, const std::string& default_prior) {
  PosteriorOptions options;
  options.recipe.method = method;
  auto prior = line.take_option("--prior");
  if (!prior && default_prior.empty())
    throw UsageError("--method " + method + " needs --prior CARD (a model card, e.g. models/mri-brain/model.json)");
  options.prior = prior ? *prior : default_prior;
  if (auto preset = line.take_option("--preset")) {
    try {
      options.recipe.preset = parse_sampler_preset(*preset);
    } catch (const InputError& error) {
      throw UsageError(std::string("--preset: ") + error.what());
    }
  }
  if (auto samples = line.take_int_option("--samples", 1)) options.samples = *samples;
  if (auto batch = line.take_int_option("--batch", 1)) options.batch = *batch;
  if (auto seed = line.take_int_option("--seed", 0)) options.seed = static_cast<uint64_t>(*seed);
  if (auto params = line.take_option("--param")) {
    try {
      options.recipe.overrides = parse_sampler_overrides(*params);
    } catch (const InputError& error) {
      throw UsageError(std::string("--param: ") + error.what());
    }
  }
  // Refuse an unknown parameter now, before any file is read.
  try {
    check_sampler_recipe(options.recipe);
  } catch (const InputError& error) {
    throw UsageError(std::string("--param: ") + error.what());
  }
  return options;
}

PosteriorRun run_posterior(const Problem& physical, const torch::Tensor& estimate, const PosteriorOptions& options,
                           torch::Device device, const std::string& label) {
  PosteriorRun run;
  LoadedPrior prior;
  try {
    prior = load_prior(options.prior, device);
  } catch (const std::exception& error) {
    throw UsageError(std::string("--prior: ") + error.what());
  }
  run.card = prior.card;
  run.card_path = options.prior.string();
  SamplingOptions sampling;
  sampling.samples = options.samples;
  sampling.batch_size = options.batch;
  sampling.seed = options.seed;
  std::optional<ProgressBar> bar;
  int64_t last_batch = 0;
  sampling.progress = [&](const SamplingProgress& p) {
    if (p.chain_batch != last_batch) {
      if (bar) bar->finish("done");
      bar.emplace(label + (p.chain_batches > 1 ? " " + std::to_string(p.chain_batch) + "/" + std::to_string(p.chain_batches) : ""),
                  p.step.steps);
      last_batch = p.chain_batch;
    }
    char status[96];
    std::snprintf(status, sizeof status, "sigma %.3g, residual %.3g, NFE %lld", p.step.sigma, p.step.residual_norm,
                  static_cast<long long>(p.step.nfe));
    bar->update(p.step.step, status);
  };
  try {
    run.reconstruction = reconstruct_posterior(physical, estimate, prior.card, prior.denoiser, options.recipe, sampling);
  } catch (const InputError& error) {  // the prior does not fit the problem (SamplerError passes)
    throw UsageError(std::string("--prior ") + options.prior.string() + ": " + error.what());
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string("--prior ") + options.prior.string() + ": " + error.what());
  }
  if (bar) {
    char status[96];
    std::snprintf(status, sizeof status, "%.1f s, NFE %lld per chain", run.reconstruction.sampling.seconds,
                  static_cast<long long>(run.reconstruction.sampling.nfe));
    bar->finish(status);
  }
  return run;
}

namespace {

std::pair<std::string, std::string> stem_and_extension(const fs::path& out) {
  const auto name = out.filename().string();
  for (const char* double_extension : {".nii.gz"}) {
    const std::string ext = double_extension;
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
      return {name.substr(0, name.size() - ext.size()), ext};
  }
  return {out.stem().string(), out.extension().string()};
}

}  // namespace

fs::path std_map_path(const fs::path& out) {
  const auto [stem, ext] = stem_and_extension(out);
  return out.parent_path() / (stem + "_std" + ext);
}

fs::path report_path(const fs::path& out) {
  const auto [stem, ext] = stem_and_extension(out);
  return out.parent_path() / (stem + ".json");
}

void refuse_existing_posterior_outputs(const fs::path& out, int64_t samples, bool overwrite) {
  if (overwrite) return;
  std::vector<fs::path> outputs{report_path(out)};
  if (samples > 1) outputs.push_back(std_map_path(out));
  for (const auto& path : outputs)
    if (fs::exists(path)) throw UsageError("output " + path.string() + " exists (use --force to overwrite it)");
}

void write_posterior_report(const fs::path& path, const std::string& command, const PosteriorRun& run,
                            const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
                            const std::vector<std::pair<std::string, double>>& metrics, bool overwrite) {
  using nlohmann::json;
  const auto& r = run.reconstruction;
  json report;
  report["software"] = {{"diffrecon", diffrecon_version()}};
  report["command"] = command;
  report["method"] = r.method;
  report["parameters"] = json::object();
  for (const auto& [name, value] : r.parameters) report["parameters"][name] = value;
  report["prior"] = {{"id", run.card.name}, {"card", run.card_path}, {"sha256", run.card.sha256}};
  report["inputs"] = inputs;
  report["outputs"] = outputs;
  report["nfe_per_chain"] = r.sampling.nfe;
  report["network_image_evaluations"] = r.sampling.image_evaluations;
  report["seconds"] = r.sampling.seconds;
  report["peak_memory_mib"] = static_cast<double>(r.sampling.peak_memory_bytes) / (1024.0 * 1024.0);
  report["metrics"] = json::object();
  for (const auto& [name, value] : metrics) report["metrics"][name] = value;
  AtomicOutput output(path, overwrite ? Overwrite::Allow : Overwrite::Refuse);
  {
    std::ofstream file(output.temporary_path());
    file << report.dump(2) << "\n";
    if (!file) throw OutputError("cannot write " + path.string());
  }
  output.commit();
}

}  // namespace diffrecon::cli
