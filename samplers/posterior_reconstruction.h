// Reconstruction by posterior sampling, from a problem in physical units to a mean and a standard
// deviation map in physical units: normalises the problem the way the prior's model card says
// (percentile of a first image estimate, or a fixed scale and offset), lays it out for the prior and
// runs the sampler, which holds the prior. Modality-free: the MRI and CT commands, the demo and the
// benchmarks all come through here.
#pragma once

#include "priors/model_card.h"
#include "samplers/sampler_presets.h"

namespace diffrecon {

struct PosteriorReconstruction {
  SamplingResult sampling;
  IntensityNormalization normalization;
  std::string method;  // the sampler's name
  // The sampler's, then (recipe) preset, samples, batch_size (the chains drawn together: it changes
  // the bits), seed, normalisation and operator norm.
  std::vector<std::pair<std::string, std::string>> parameters;
};

// `sampler` must hold the prior `card` describes (the card gives the normalisation). `estimate`: a
// first reconstruction in physical units (zero-filled, CG-SENSE, FBP); only percentile
// normalisations look at it. Throws InputError when the prior cannot serve the problem (complex data
// with a real prior or the reverse, another channel count).
PosteriorReconstruction reconstruct_posterior(const Problem& physical, const torch::Tensor& estimate,
                                              const ModelCard& card, const Sampler& sampler,
                                              const SamplingOptions& options);

// The same with the built-in sampler `recipe` names, built on `prior` (a denoiser, or a token prior
// for g2d2); records the preset too.
PosteriorReconstruction reconstruct_posterior(const Problem& physical, const torch::Tensor& estimate,
                                              const ModelCard& card, const SamplerPrior& prior,
                                              const SamplerRecipe& recipe, const SamplingOptions& options);
PosteriorReconstruction reconstruct_posterior(const Problem& physical, const torch::Tensor& estimate,
                                              const ModelCard& card, DenoiserPtr prior,
                                              const SamplerRecipe& recipe, const SamplingOptions& options);

}  // namespace diffrecon
