// A sampler from a recipe: the registry's name ("dps", "mcg", "daps", "reddiff"), a preset ("full":
// the official defaults, e.g. DAPS-1K; "fast": a short schedule for one 256 x 256 slice in under a
// minute on two CPU cores), MCG's data projection and named overrides of the sampler's typed
// parameters (e.g. {"zeta", "2"}, {"inner", "exact"}). The presets are tables of parameter values
// (samplers/builtin_samplers.cpp) applied through the same typed parameters as the overrides.
#pragma once

#include "samplers/data_projection.h"
#include "samplers/sampler.h"
#include "samplers/sampler_parameters.h"
#include "samplers/sampler_registry.h"

#include <map>
#include <memory>
#include <string>

namespace diffrecon {

enum class SamplerPreset { Fast, Full };

// Throws InputError: "sampler preset 'x': expected fast or full".
SamplerPreset parse_sampler_preset(const std::string& name);
std::string to_string(SamplerPreset preset);

struct SamplerRecipe {
  std::string method;  // a registered name: dps | mcg | daps | reddiff
  SamplerPreset preset = SamplerPreset::Fast;
  // MCG's data projection: identity (MRI k-space replacement) or column sums (CT ART step).
  ProjectionPreconditioner projection = ProjectionPreconditioner::Identity;
  std::map<std::string, std::string> overrides;  // parameter name -> value as text
};

// The built-in sampler `recipe` names, on `prior`. Throws InputError naming the method, or the
// parameter and what it accepts.
std::unique_ptr<Sampler> make_sampler(const SamplerRecipe& recipe, DenoiserPtr prior);
// The same on a prior of either kind (G2D2 needs SamplerPrior::tokens).
std::unique_ptr<Sampler> make_sampler(const SamplerRecipe& recipe, const SamplerPrior& prior);

// Checks a recipe without a prior (a command line before any file is read): the same errors as
// make_sampler.
void check_sampler_recipe(const SamplerRecipe& recipe);

// Whether `method` is a built-in sampler's name.
bool is_sampler_name(const std::string& method);

// "dps, mcg, daps, reddiff"
std::string sampler_method_names();

}  // namespace diffrecon
