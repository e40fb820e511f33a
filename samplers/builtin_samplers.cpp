// The built-in samplers: for each, its typed parameters, its presets as a table of values, and
// the factory the registry calls. Why the fast presets hold the values they do:
// docs/benchmarks.md (why the fast presets are set as they are).
#include "samplers/sampler_presets.h"

#include "core/error.h"
#include "samplers/daps_sampler.h"
#include "samplers/diffpir_sampler.h"
#include "samplers/dps_sampler.h"
#include "samplers/g2d2_sampler.h"
#include "samplers/mcg_sampler.h"
#include "samplers/red_diff_sampler.h"

#include <vector>

namespace diffrecon {
namespace {

// One parameter's value under each preset, as text typed by the sampler's parameter table.
struct PresetValue {
  const char* parameter;
  const char* fast;
  const char* full;
};

// full: the official implementations' defaults (docs/samplers.md). fast: about 100 network
// evaluations per chain.
const std::vector<PresetValue> kDpsPresets = {
    {"steps", "100", "1000"},
    // Ten times fewer steps need larger ones (docs/benchmarks.md (why the fast presets are set as they are)); official zeta 1.
    {"zeta", "5", "1"},
};
const std::vector<PresetValue> kMcgPresets = {
    {"steps", "100", "1000"},
};
const std::vector<PresetValue> kDapsPresets = {
    // full: DAPS-1K, 200 annealing steps x 5 ODE steps, 100 Langevin steps. fast: 100 annealing steps
    // of one Euler step each, the inner target drawn exactly (perturb-and-MAP, 10 CG iterations),
    // annealing down to 0.002 (docs/benchmarks.md (why the fast presets are set as they are)).
    {"annealing_steps", "100", "200"},
    {"ode_steps", "1", "5"},
    {"inner", "exact", "langevin"},
    {"cg_iterations", "10", "20"},
    {"sigma_min", "0.002", "0.1"},
    {"ode_sigma_min", "0.0005", "0.01"},
};
// DiffPIR: the paper's 100 network evaluations (full); fast halves them. DDS: 100 evaluations with 5 CG
// iterations each (fast; on the development set 100 steps beat DDS's own 50 by 0.9 dB, docs/benchmarks.md,
// "Held-out MRI"), twice the steps with 10 CG iterations (full).
const std::vector<PresetValue> kDiffPirPresets = {
    {"steps", "50", "100"},
    {"cg_iterations", "5", "10"},
};
const std::vector<PresetValue> kDdsPresets = {
    {"steps", "100", "200"},
    {"cg_iterations", "5", "10"},
};
// G2D2: full is the official presets' 100 levels x 30 RAdam iterations (sr_ffhq's lr 10 and widths).
// Fast: 50 levels of 6 iterations at lr 1000, tuned on the development images (BrainT1Slice and
// BrainProtonDensitySlice, R = 4, one chain; docs/benchmarks.md, "G2D2"). lr: with few iterations RAdam
// spends its first five in the un-adapted (plain momentum) phase, where the official lr 10 barely moves
// the logits (lr 10 / 100 / 1000 / 10000 gave 12.1 / 19.6 / 21.7 / 19.0 dB). Iterations: 10 / 8 / 6 / 4
// gave 23.54 / 23.65 / 23.86 / 20.30 dB on BrainT1Slice and 20.25 (10) / 20.44 (6) on the proton-density
// slice: 6 is as good as 10 for 60 % of the decoder passes, 4 (no adapted step) is not.
const std::vector<PresetValue> kG2d2Presets = {
    {"steps", "50", "100"},
    {"iterations", "6", "30"},
    {"lr", "1000", "10"},
};
const std::vector<PresetValue> kRedDiffPresets = {
    {"steps", "100", "1000"},
};

// The preset's values, then the recipe's overrides, through the sampler's parameter table.
void apply(const SamplerParameters& parameters, const std::vector<PresetValue>& presets, const SamplerRecipe& recipe) {
  for (const auto& value : presets)
    parameters.set(value.parameter, recipe.preset == SamplerPreset::Fast ? value.fast : value.full);
  for (const auto& [name, value] : recipe.overrides) parameters.set(name, value);
}

const std::vector<std::pair<std::string, GuidanceStepRule>> kStepRules = {
    {"residual-normalized", GuidanceStepRule::ResidualNormalized}, {"tweedie", GuidanceStepRule::Tweedie}};

// The continuous samplers' prior; a discrete (token) prior alone is G2D2's.
DenoiserPtr denoiser_of(const SamplerPrior& prior, const std::string& method) {
  if (!prior.denoiser)
    throw InputError(method + " samples with a continuous prior (a denoiser); the prior given is " +
                     (prior.tokens ? "a discrete (VQ) one, which only g2d2 samples with" : "missing"));
  return prior.denoiser;
}

std::unique_ptr<Sampler> make_dps(const SamplerRecipe& recipe, const SamplerPrior& prior) {
  DpsOptions o;
  SamplerParameters parameters("dps");
  parameters.integer("steps", o.steps);
  parameters.real("zeta", o.zeta);
  parameters.choice("step_rule", o.step_rule, kStepRules);
  apply(parameters, kDpsPresets, recipe);
  return std::make_unique<DpsSampler>(denoiser_of(prior, "dps"), o);
}

std::unique_ptr<Sampler> make_mcg(const SamplerRecipe& recipe, const SamplerPrior& prior) {
  McgOptions o;
  o.projection = recipe.projection;
  if (recipe.projection == ProjectionPreconditioner::ColumnSums) {
    o.lambda_start = 1.0;  // the official sparse-view CT code: lambda 1.0 -> 0.6
    o.lambda_end = 0.6;
  }
  SamplerParameters parameters("mcg");
  parameters.integer("steps", o.steps);
  parameters.real("alpha", o.alpha);
  parameters.real("lambda_start", o.lambda_start);
  parameters.real("lambda_end", o.lambda_end);
  apply(parameters, kMcgPresets, recipe);
  return std::make_unique<McgSampler>(denoiser_of(prior, "mcg"), o);
}

std::unique_ptr<Sampler> make_daps(const SamplerRecipe& recipe, const SamplerPrior& prior) {
  DapsOptions o;
  SamplerParameters parameters("daps");
  parameters.integer("annealing_steps", o.annealing_steps);
  parameters.integer("ode_steps", o.ode_steps);
  parameters.integer("langevin_steps", o.langevin_steps);
  parameters.real("sigma_max", o.sigma_max);
  parameters.real("sigma_min", o.sigma_min);
  parameters.real("ode_sigma_min", o.ode_sigma_min);
  parameters.real("lr", o.lr);
  parameters.real("lr_min_ratio", o.lr_min_ratio);
  parameters.real("tau", o.tau);
  parameters.integer("cg_iterations", o.cg_iterations);
  parameters.optional_real("prior_std", o.prior_std);
  // langevin: the paper's; exact: perturb-and-MAP draws by CG ("perturb-and-map-cg" as reports print
  // it). 0 and 1 are the older numeric spellings.
  parameters.choice("inner", o.inner,
                    {{"langevin", DapsInnerSampler::Langevin},
                     {"exact", DapsInnerSampler::ConjugateGradient},
                     {"perturb-and-map-cg", DapsInnerSampler::ConjugateGradient}},
                    {{0.0, DapsInnerSampler::Langevin}, {1.0, DapsInnerSampler::ConjugateGradient}});
  parameters.choice("estimate", o.estimate,
                    {{"ode-endpoint", DapsEstimate::OdeEndpoint}, {"tweedie", DapsEstimate::Tweedie}});
  apply(parameters, kDapsPresets, recipe);
  return std::make_unique<DapsSampler>(denoiser_of(prior, "daps"), o);
}

SamplerParameters diffpir_parameters(const char* name, DiffPirOptions& o) {
  SamplerParameters parameters(name);
  parameters.integer("steps", o.steps);
  parameters.real("sigma_max", o.sigma_max);
  parameters.real("sigma_min", o.sigma_min);
  parameters.real("lambda", o.lambda);
  parameters.real("zeta", o.zeta);
  parameters.integer("cg_iterations", o.cg_iterations);
  parameters.real("tau", o.tau);
  parameters.optional_real("prior_std", o.prior_std);
  parameters.real("phase_std", o.phase_std);
  parameters.real("phase_smoothing", o.phase_smoothing);
  return parameters;
}

std::unique_ptr<Sampler> make_diffpir(const SamplerRecipe& recipe, const SamplerPrior& prior) {
  DiffPirOptions o;
  apply(diffpir_parameters("diffpir", o), kDiffPirPresets, recipe);
  return std::make_unique<DiffPirSampler>(denoiser_of(prior, "diffpir"), o, "diffpir");
}

// DDS: the same loop with an unregularised CG data step (lambda 0) and DDIM's stochasticity eta = 0.85
// (zeta = eta^2 in DiffPIR's form). The soft phase model stays off by default: phase_std 0.01 was the best
// of 0-0.1 on the development set with exact coil maps, but with ESPIRiT maps on the demo's measured phase
// it cost 3 dB (docs/benchmarks.md, "Held-out MRI"); zeta 0.5 was 0.6 dB worse than 0.72 on the development set.
std::unique_ptr<Sampler> make_dds(const SamplerRecipe& recipe, const SamplerPrior& prior) {
  DiffPirOptions o;
  o.lambda = 0.0;
  o.zeta = 0.85 * 0.85;
  apply(diffpir_parameters("dds", o), kDdsPresets, recipe);
  return std::make_unique<DiffPirSampler>(denoiser_of(prior, "dds"), o, "dds");
}

std::unique_ptr<Sampler> make_red_diff(const SamplerRecipe& recipe, const SamplerPrior& prior) {
  RedDiffOptions o;
  SamplerParameters parameters("reddiff");
  parameters.integer("steps", o.steps);
  parameters.real("lambda", o.lambda);
  parameters.real("lr", o.lr);
  parameters.real("obs_weight", o.obs_weight);
  parameters.integer("initial_cg_iterations", o.initial_cg_iterations);
  parameters.integer("passes", o.passes);
  parameters.real("beta1", o.beta1);
  parameters.real("beta2", o.beta2);
  parameters.choice("weighting", o.weighting,
                    {{"linear", RedDiffWeighting::Linear},
                     {"sqrt", RedDiffWeighting::Sqrt},
                     {"constant", RedDiffWeighting::Constant}});
  apply(parameters, kRedDiffPresets, recipe);
  return std::make_unique<RedDiffSampler>(denoiser_of(prior, "reddiff"), o);
}

std::unique_ptr<Sampler> make_g2d2(const SamplerRecipe& recipe, const SamplerPrior& prior) {
  G2d2Options o;
  SamplerParameters parameters("g2d2");
  parameters.integer("steps", o.steps);
  parameters.integer("iterations", o.iterations);
  parameters.real("lr", o.lr);
  parameters.real("lr_width", o.lr_width);
  parameters.real("kl_weight", o.kl_weight);
  parameters.real("kl_width", o.kl_width);
  parameters.real("forget", o.forget);
  parameters.real("temperature", o.temperature);
  parameters.choice("step", o.step, {{"star", G2d2Step::Star}, {"markov", G2d2Step::Markov}});
  parameters.real("truncation", o.truncation);
  parameters.integer("refine", o.refine);
  parameters.choice("likelihood", o.likelihood,
                    {{"norm", G2d2Likelihood::Norm}, {"gaussian", G2d2Likelihood::Gaussian}});
  parameters.real("tau", o.tau);
  apply(parameters, kG2d2Presets, recipe);
  if (!prior.tokens)
    throw InputError("g2d2 samples with a discrete (VQ) prior: give a model card with a token denoiser and a VQ "
                     "decoder (models/*-vq/model.json), not a continuous prior");
  return std::make_unique<G2d2Sampler>(prior.tokens, o);
}

// Stands in for the prior while a recipe is checked; never evaluated.
class RecipeCheckDenoiser final : public Denoiser {
 public:
  int64_t channels() const override { return 1; }
  std::string description() const override { return "none (checking a sampler recipe)"; }

 protected:
  torch::Tensor apply_denoise(const torch::Tensor&, const torch::Tensor&) const override {
    throw InternalError("a sampler built only to check its recipe was run");
  }
};

// The discrete stand-in: a process of the usual T = 100 steps, never evaluated either.
class RecipeCheckTokenPrior final : public TokenPrior {
 public:
  const VqDiffusionProcess& process() const override { return process_; }
  int64_t image_channels() const override { return 1; }
  TokenGrid token_grid(int64_t, int64_t) const override { throw never_run(); }
  torch::Tensor log_denoise(const torch::Tensor&, int64_t, const TokenGrid&) const override { throw never_run(); }
  torch::Tensor decode(const torch::Tensor&, const TokenGrid&) const override { throw never_run(); }

 private:
  static InternalError never_run() { return InternalError("a sampler built only to check its recipe was run"); }
  VqDiffusionProcess process_{2, 100};
};

}  // namespace

const SamplerRegistry& builtin_samplers() {
  static const SamplerRegistry registry = [] {
    SamplerRegistry r;
    r.add("dps", make_dps);
    r.add("mcg", make_mcg);
    r.add("daps", make_daps);
    r.add("reddiff", make_red_diff);
    r.add("diffpir", make_diffpir);
    r.add("dds", make_dds);
    r.add("g2d2", make_g2d2);
    return r;
  }();
  return registry;
}

SamplerPreset parse_sampler_preset(const std::string& name) {
  if (name == "fast") return SamplerPreset::Fast;
  if (name == "full") return SamplerPreset::Full;
  throw InputError("sampler preset '" + name + "': expected fast or full");
}

std::string to_string(SamplerPreset preset) { return preset == SamplerPreset::Fast ? "fast" : "full"; }

std::unique_ptr<Sampler> make_sampler(const SamplerRecipe& recipe, DenoiserPtr prior) {
  return builtin_samplers().make(recipe, {std::move(prior), nullptr});
}

std::unique_ptr<Sampler> make_sampler(const SamplerRecipe& recipe, const SamplerPrior& prior) {
  return builtin_samplers().make(recipe, prior);
}

void check_sampler_recipe(const SamplerRecipe& recipe) {
  builtin_samplers().make(recipe, {std::make_shared<RecipeCheckDenoiser>(), std::make_shared<RecipeCheckTokenPrior>()});
}

bool is_sampler_name(const std::string& method) { return builtin_samplers().contains(method); }

std::string sampler_method_names() { return builtin_samplers().names_text(); }

}  // namespace diffrecon
