// Reconstruction by posterior sampling, from a problem in physical units to a mean and a standard
// deviation map in physical units: normalises the problem the way the prior's model card says
// (percentile of a first image estimate, or a fixed scale and offset), lays it out for the prior,
// builds the sampler from its recipe and runs it. Modality-free: the MRI and CT commands, the demo
// and the benchmarks all come through here.
#pragma once

#include "priors/model_card.h"
#include "samplers/sampler_presets.h"

namespace diffrecon {

struct PosteriorReconstruction {
  SamplingResult sampling;
  IntensityNormalization normalization;
  std::string method;                                           // the sampler's name
  std::vector<std::pair<std::string, std::string>> parameters;  // the sampler's, then preset, samples, seed
};

// `estimate`: a first reconstruction in physical units (zero-filled, CG-SENSE, FBP); only percentile
// normalisations look at it. Throws std::invalid_argument when the prior cannot serve the problem
// (complex data with a real prior or the reverse).
PosteriorReconstruction reconstruct_posterior(const Problem& physical, const torch::Tensor& estimate,
                                              const ModelCard& card, const Denoiser& prior,
                                              const SamplerRecipe& recipe, const SamplingOptions& options);

}  // namespace diffrecon
