#include "samplers/posterior_reconstruction.h"

#include "core/error.h"
#include "core/operator_algebra.h"
#include "core/power_iteration.h"
#include "samplers/parameter_text.h"

#include <algorithm>
#include <cmath>

namespace diffrecon {

PosteriorReconstruction reconstruct_posterior(const Problem& physical, const torch::Tensor& estimate,
                                              const ModelCard& card, const Sampler& sampler,
                                              const SamplingOptions& options) {
  const bool complex_data = c10::isComplexType(physical.unknown_dtype());
  if (complex_data != card.complex)
    throw InputError("prior '" + card.name + "' is for " + (card.complex ? "complex" : "real") +
                     " images but the problem's unknown is " + (complex_data ? "complex" : "real"));
  PosteriorReconstruction result;
  result.normalization = card.normalization.for_image(estimate);
  // Samplers' step sizes (DAPS's lr and tau, DPS's zeta, RED-diff's weights) are set for operators of
  // unit norm, as the images-to-images operators of the papers and SENSE with normalised coils are.
  // A CT projector's norm is in the hundreds, so A, y and sigma_y are divided by ||A||, which leaves
  // the posterior unchanged.
  PowerIterationOptions power;
  power.max_iterations = 50;
  power.tolerance = 1e-4;
  const double norm = operator_norm(physical.op(), power).norm;
  if (!(norm > 0) || !std::isfinite(norm)) throw InputError("the forward operator maps every image to zero");
  Problem unit = std::abs(norm - 1) < 0.02
                     ? physical
                     : Problem(scale(physical.operator_ptr(), 1.0 / norm), physical.measurement() / norm,
                               NoiseModel{physical.noise().sigma / norm});
  auto problem = PosteriorProblem::with_default_layout(unit.normalized(result.normalization));
  result.method = sampler.name();
  result.parameters = sampler.parameters();
  const auto batch_size = options.batch_size == 0 ? options.samples : std::min(options.batch_size, options.samples);
  result.parameters.emplace_back("samples", parameter_text(options.samples));
  result.parameters.emplace_back("batch_size", parameter_text(batch_size));
  result.parameters.emplace_back("seed", std::to_string(options.seed));
  result.parameters.emplace_back("normalization_scale", parameter_text(result.normalization.scale));
  result.parameters.emplace_back("normalization_offset", parameter_text(result.normalization.offset));
  result.parameters.emplace_back("operator_norm", parameter_text(norm));
  result.sampling = run_sampler(sampler, problem, options);
  return result;
}

PosteriorReconstruction reconstruct_posterior(const Problem& physical, const torch::Tensor& estimate,
                                              const ModelCard& card, const SamplerPrior& prior,
                                              const SamplerRecipe& recipe, const SamplingOptions& options) {
  const auto sampler = make_sampler(recipe, prior);
  auto result = reconstruct_posterior(physical, estimate, card, *sampler, options);
  // The preset right after the sampler's own parameters.
  const auto own = static_cast<std::ptrdiff_t>(sampler->parameters().size());
  result.parameters.insert(result.parameters.begin() + own, {"preset", to_string(recipe.preset)});
  return result;
}

PosteriorReconstruction reconstruct_posterior(const Problem& physical, const torch::Tensor& estimate,
                                              const ModelCard& card, DenoiserPtr prior,
                                              const SamplerRecipe& recipe, const SamplingOptions& options) {
  return reconstruct_posterior(physical, estimate, card, SamplerPrior{std::move(prior), nullptr}, recipe, options);
}

}  // namespace diffrecon
