#include "samplers/sampler_registry.h"

#include "core/error.h"
#include "samplers/sampler_presets.h"

namespace diffrecon {

void SamplerRegistry::add(const std::string& name, SamplerFactory factory) {
  if (contains(name)) throw InternalError("sampler registry: '" + name + "' is registered twice");
  entries_.emplace_back(name, std::move(factory));
}

bool SamplerRegistry::contains(const std::string& name) const {
  for (const auto& entry : entries_)
    if (entry.first == name) return true;
  return false;
}

std::vector<std::string> SamplerRegistry::names() const {
  std::vector<std::string> names;
  for (const auto& entry : entries_) names.push_back(entry.first);
  return names;
}

std::string SamplerRegistry::names_text() const {
  std::string text;
  for (const auto& entry : entries_) text += (text.empty() ? "" : ", ") + entry.first;
  return text;
}

std::unique_ptr<Sampler> SamplerRegistry::make(const SamplerRecipe& recipe, const SamplerPrior& prior) const {
  for (const auto& [name, factory] : entries_)
    if (name == recipe.method) return factory(recipe, prior);
  throw InputError("unknown sampler '" + recipe.method + "' (expected " + names_text() + ")");
}

}  // namespace diffrecon
