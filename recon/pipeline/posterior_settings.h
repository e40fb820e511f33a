// How a posterior reconstruction is asked for, whatever the modality: the prior's model card, the
// sampler (by recipe: name, preset, overrides), the number of chains, how many run together, and the
// seed. sample_posterior() loads the prior, runs the sampler and returns the result with what the
// provenance record needs.
#pragma once

#include "priors/prior_file.h"
#include "recon/pipeline/reconstruction_record.h"
#include "samplers/posterior_reconstruction.h"

#include <filesystem>
#include <functional>
#include <string>

namespace diffrecon {

struct PosteriorSettings {
  std::filesystem::path prior_card;  // a model card (models/mri-brain/model.json, ...)
  SamplerRecipe recipe;
  int64_t samples = 1;               // chains; > 1 gives a standard deviation map
  int64_t batch = 0;                 // chains evaluated together (0: all); changes the bits, so recorded
  uint64_t seed = 0;
  // Only these chains of the `samples` (empty: all): a shard's share of one posterior; each chain's
  // randomness depends on (seed, chain) alone (samplers/sampler.h).
  std::vector<int64_t> chains;
  bool keep_samples = false;         // return every chain (Reconstruction::samples)
  // Slices of a volume sampled together, sharing network passes (recon/pipeline/slice_posteriors.h);
  // 0: as many as keep a pass at the device's default images (8 on the CPU). Changes the bits, so recorded.
  int64_t slice_batch = 0;
};

using SamplingProgressCallback = std::function<void(const SamplingProgress&)>;

struct PosteriorRun {
  PosteriorReconstruction reconstruction;
  ModelCard card;
  std::string card_path;
};

// Loads the model card and its weights (InputError naming the card when it cannot be used).
LoadedPrior load_posterior_prior(const PosteriorSettings& settings, torch::Device device);

// Samples the posterior of `physical` (a problem in physical units) with the loaded prior.
// `estimate`: the first image estimate that sets the prior's normalisation (mri::first_estimate,
// ct::first_estimate). InputError (from reconstruct_posterior) when the prior does not fit the
// problem (a complex problem and a real prior, or the reverse).
PosteriorRun sample_posterior(const Problem& physical, const torch::Tensor& estimate, const PosteriorSettings& settings,
                              const LoadedPrior& prior, const SamplingProgressCallback& progress = {});

// Fills the record's sampler parameters, prior, seed and evaluation counts from a run.
void record_posterior_run(ReconstructionRecord& record, const PosteriorRun& run, const PosteriorSettings& settings);

}  // namespace diffrecon
