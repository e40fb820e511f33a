// Samplers by name: a registry from a name to a factory that builds the sampler from a recipe and a
// prior. The four built-in methods are one table (builtin_samplers()); a library user adds a method
// by adding an entry to a copy, and reconstruct_posterior takes any Sampler, registered or not.
#pragma once

#include "priors/denoiser.h"
#include "priors/token_prior.h"
#include "samplers/sampler.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace diffrecon {

struct SamplerRecipe;

// What a sampler can be built on: a Denoiser (DPS, MCG, DAPS, RED-diff, DiffPIR, DDS) or a token
// prior (G2D2); a factory uses the one its method needs.
struct SamplerPrior {
  DenoiserPtr denoiser;
  TokenPriorPtr tokens;
};

using SamplerFactory = std::function<std::unique_ptr<Sampler>(const SamplerRecipe&, const SamplerPrior&)>;

class SamplerRegistry {
 public:
  // Throws InternalError when the name is taken.
  void add(const std::string& name, SamplerFactory factory);
  bool contains(const std::string& name) const;
  // In the order they were added.
  std::vector<std::string> names() const;
  // "dps, mcg, daps, reddiff"
  std::string names_text() const;
  // Throws InputError for an unknown name (listing the accepted ones) and whatever the factory throws
  // for its parameters.
  std::unique_ptr<Sampler> make(const SamplerRecipe& recipe, const SamplerPrior& prior) const;

 private:
  std::vector<std::pair<std::string, SamplerFactory>> entries_;
};

// dps, mcg, daps, reddiff, diffpir, dds, g2d2 (samplers/builtin_samplers.cpp).
const SamplerRegistry& builtin_samplers();

}  // namespace diffrecon
