// Building a sampler by name: "dps", "mcg", "daps" or "reddiff", a preset ("full": the official
// defaults, e.g. DAPS-1K; "fast": a short schedule for one 256 x 256 slice in under a minute on two
// CPU cores) and named overrides of any parameter the sampler reports (e.g. {"zeta", 2.0}).
#pragma once

#include "samplers/data_projection.h"
#include "samplers/sampler.h"

#include <map>
#include <memory>
#include <string>

namespace diffrecon {

enum class SamplerPreset { Fast, Full };

SamplerPreset parse_sampler_preset(const std::string& name);
std::string to_string(SamplerPreset preset);

struct SamplerRecipe {
  std::string method;  // dps | mcg | daps | reddiff
  SamplerPreset preset = SamplerPreset::Fast;
  // MCG's data projection: identity (MRI k-space replacement) or column sums (CT ART step).
  ProjectionPreconditioner projection = ProjectionPreconditioner::Identity;
  std::map<std::string, double> overrides;
};

// Throws std::invalid_argument naming the method, or the override and the names that method accepts.
std::unique_ptr<Sampler> make_sampler(const SamplerRecipe& recipe);

// "dps, mcg, daps, reddiff"
const char* sampler_method_names();

// Parses "name=value[,name=value...]" into overrides (throws std::invalid_argument naming the item).
std::map<std::string, double> parse_sampler_overrides(const std::string& text);

}  // namespace diffrecon
