#include "recon/cli/demo_diffusion_column.h"

#include "mri/classical_reconstruction.h"
#include "priors/prior_file.h"
#include "samplers/posterior_reconstruction.h"

#include <cstdlib>
#include <stdexcept>

namespace diffrecon::cli {

SamplerRecipe demo_sampler_recipe() { return {"daps", SamplerPreset::Fast, ProjectionPreconditioner::Identity, {}}; }

std::filesystem::path shipped_prior_card(const std::string& name) {
  std::vector<std::filesystem::path> places;
  if (const char* models = std::getenv("DIFFRECON_MODELS"); models && *models) places.emplace_back(models);
  places.emplace_back(DIFFRECON_MODELS_DIR);
  for (const auto& place : places) {
    auto card = place / name / "model.json";
    if (std::filesystem::exists(card)) return card;
  }
  std::string where;
  for (const auto& place : places) where += (where.empty() ? "" : " or ") + (place / name / "model.json").string();
  throw std::runtime_error("the shipped prior '" + name + "' is not at " + where +
                           " (set DIFFRECON_MODELS to the folder holding it)");
}

DiffusionColumn diffusion_column(std::shared_ptr<const mri::SenseOperator> sense, const torch::Tensor& kspace,
                                 const SamplerRecipe& recipe, uint64_t seed, int64_t samples, torch::Device device,
                                 const std::function<void(int64_t, int64_t)>& progress) {
  const auto prior = load_prior(shipped_prior_card("mri-brain"), device);
  mri::ReconstructionOptions first;
  first.iterations = 10;
  const auto estimate = mri::reconstruct(*sense, kspace, first).image;
  SamplingOptions options;
  options.samples = samples;
  options.seed = seed;
  options.progress = [&](const SamplingProgress& p) {
    const auto done = (p.chain_batch - 1) * p.step.steps + p.step.step;
    progress(done, p.chain_batches * p.step.steps);
  };
  auto result = reconstruct_posterior(Problem(sense, kspace, NoiseModel{0.0}), estimate, prior.card, prior.denoiser,
                                      recipe, options);
  DiffusionColumn column;
  column.mean = result.sampling.mean;
  column.std = result.sampling.std;
  column.method = result.method + " (" + to_string(recipe.preset) + "), " + std::to_string(samples) + " samples";
  column.prior_id = prior.card.name;
  column.prior_sha256 = prior.card.sha256;
  column.parameters = result.parameters;
  column.seed = seed;
  column.nfe = result.sampling.nfe;
  column.seconds = result.sampling.seconds;
  return column;
}

}  // namespace diffrecon::cli
