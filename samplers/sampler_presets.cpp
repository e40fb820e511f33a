#include "samplers/sampler_presets.h"

#include "samplers/daps_sampler.h"
#include "samplers/dps_sampler.h"
#include "samplers/mcg_sampler.h"
#include "samplers/red_diff_sampler.h"

#include <cstdlib>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace diffrecon {

SamplerPreset parse_sampler_preset(const std::string& name) {
  if (name == "fast") return SamplerPreset::Fast;
  if (name == "full") return SamplerPreset::Full;
  throw std::invalid_argument("--preset expects fast or full, got '" + name + "'");
}

std::string to_string(SamplerPreset preset) { return preset == SamplerPreset::Fast ? "fast" : "full"; }

const char* sampler_method_names() { return "dps, mcg, daps, reddiff"; }

std::map<std::string, double> parse_sampler_overrides(const std::string& text) {
  std::map<std::string, double> overrides;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto equals = item.find('=');
    char* end = nullptr;
    const auto value_text = equals == std::string::npos ? std::string() : item.substr(equals + 1);
    const double value = std::strtod(value_text.c_str(), &end);
    if (equals == std::string::npos || equals == 0 || value_text.empty() || *end != '\0')
      throw std::invalid_argument("sampler parameter '" + item + "': expected name=number");
    overrides[item.substr(0, equals)] = value;
  }
  return overrides;
}

namespace {

// Applies overrides through a table of setters; unknown names are refused with the list of known ones.
class Overrides {
 public:
  Overrides(const std::string& method, const std::map<std::string, double>& values) : method_(method), values_(values) {}
  void bind(const std::string& name, std::function<void(double)> set) { setters_[name] = std::move(set); }
  void bind(const std::string& name, double& target) {
    bind(name, [&target](double v) { target = v; });
  }
  void bind(const std::string& name, int64_t& target) {
    bind(name, [&target, name, this](double v) {
      if (v != static_cast<double>(static_cast<int64_t>(v)))
        throw std::invalid_argument(method_ + " parameter " + name + " must be a whole number");
      target = static_cast<int64_t>(v);
    });
  }
  void apply() const {
    for (const auto& [name, value] : values_) {
      auto found = setters_.find(name);
      if (found == setters_.end()) {
        std::string known;
        for (const auto& [n, _] : setters_) known += (known.empty() ? "" : ", ") + n;
        throw std::invalid_argument(method_ + " has no parameter '" + name + "' (it has: " + known + ")");
      }
      found->second(value);
    }
  }

 private:
  std::string method_;
  const std::map<std::string, double>& values_;
  std::map<std::string, std::function<void(double)>> setters_;
};

}  // namespace

std::unique_ptr<Sampler> make_sampler(const SamplerRecipe& recipe) {
  const bool fast = recipe.preset == SamplerPreset::Fast;
  Overrides overrides(recipe.method, recipe.overrides);
  if (recipe.method == "dps") {
    DpsOptions o;
    o.steps = fast ? 100 : 1000;
    // Ten times fewer steps need larger ones: zeta 5 at 100 steps measured best of {1, 5, 20} on the MRI
    // benchmark (20.86 / 22.82 / 21.97 dB, one sample); the official zeta is 1 at 1000 steps.
    o.zeta = fast ? 5.0 : 1.0;
    overrides.bind("steps", o.steps);
    overrides.bind("zeta", o.zeta);
    overrides.apply();
    return std::make_unique<DpsSampler>(o);
  }
  if (recipe.method == "mcg") {
    McgOptions o;
    o.steps = fast ? 100 : 1000;
    o.projection = recipe.projection;
    if (recipe.projection == ProjectionPreconditioner::ColumnSums) {
      o.lambda_start = 1.0;  // the official sparse-view CT code: lambda 1.0 -> 0.6
      o.lambda_end = 0.6;
    }
    overrides.bind("steps", o.steps);
    overrides.bind("alpha", o.alpha);
    overrides.bind("lambda_start", o.lambda_start);
    overrides.bind("lambda_end", o.lambda_end);
    overrides.apply();
    return std::make_unique<McgSampler>(o);
  }
  if (recipe.method == "daps") {
    DapsOptions o;  // full: DAPS-1K, 200 annealing steps x 5 ODE steps, 100 Langevin steps
    if (fast) {
      // 100 NFE: 100 annealing steps of one Euler step each, the inner target drawn exactly by
      // perturb-and-MAP with 10 CG iterations, annealing down to 0.002 (measured on the benchmark, one
      // image each, against the paper's schedule cut to 50 x 2 with 30 Langevin steps: MRI 23.34 vs
      // 22.71 dB, CT 35.42 vs 26.29 dB). Each draw leaves white noise of about the annealing level in
      // the directions the data leave free, and the next denoiser, told a lower level, removes only part
      // of it: with sigma_min 0.1 the result keeps noise of that size, 0.01 left CT at 33.3 dB per chain
      // (35.97 for the mean of 2), 0.002 gives 36.32 (38.30); 30 CG iterations instead of 10: 35.43.
      o.annealing_steps = 100;
      o.ode_steps = 1;
      o.inner = DapsInnerSampler::ConjugateGradient;
      o.cg_iterations = 10;
      o.sigma_min = 0.002;
      o.ode_sigma_min = 0.0005;
    }
    overrides.bind("annealing_steps", o.annealing_steps);
    overrides.bind("ode_steps", o.ode_steps);
    overrides.bind("langevin_steps", o.langevin_steps);
    overrides.bind("sigma_max", o.sigma_max);
    overrides.bind("sigma_min", o.sigma_min);
    overrides.bind("ode_sigma_min", o.ode_sigma_min);
    overrides.bind("lr", o.lr);
    overrides.bind("lr_min_ratio", o.lr_min_ratio);
    overrides.bind("tau", o.tau);
    overrides.bind("cg_iterations", o.cg_iterations);
    overrides.bind("prior_std", [&o](double v) { o.prior_std = v; });
    // inner=0: Langevin (the paper's), inner=1: exact perturb-and-MAP draws by CG.
    overrides.bind("inner", [&o](double v) {
      if (v != 0 && v != 1) throw std::invalid_argument("daps parameter inner must be 0 (Langevin) or 1 (CG)");
      o.inner = v == 0 ? DapsInnerSampler::Langevin : DapsInnerSampler::ConjugateGradient;
    });
    overrides.apply();
    return std::make_unique<DapsSampler>(o);
  }
  if (recipe.method == "reddiff") {
    RedDiffOptions o;
    o.steps = fast ? 100 : 1000;
    overrides.bind("steps", o.steps);
    overrides.bind("lambda", o.lambda);
    overrides.bind("lr", o.lr);
    overrides.bind("obs_weight", o.obs_weight);
    overrides.bind("initial_cg_iterations", o.initial_cg_iterations);
    overrides.apply();
    return std::make_unique<RedDiffSampler>(o);
  }
  throw std::invalid_argument("unknown sampler method '" + recipe.method + "' (expected " + sampler_method_names() + ")");
}

}  // namespace diffrecon
