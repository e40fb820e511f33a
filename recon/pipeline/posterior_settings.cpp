#include "recon/pipeline/posterior_settings.h"

#include "core/error.h"

namespace diffrecon {

LoadedPrior load_posterior_prior(const PosteriorSettings& settings, torch::Device device) {
  try {
    return load_prior(settings.prior_card, device);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& error) {
    throw InputError("prior " + settings.prior_card.string() + ": " + error.what());
  }
}

PosteriorRun sample_posterior(const Problem& physical, const torch::Tensor& estimate, const PosteriorSettings& settings,
                              const LoadedPrior& prior, const SamplingProgressCallback& progress) {
  SamplingOptions sampling;
  sampling.samples = settings.chains.empty() ? settings.samples : static_cast<int64_t>(settings.chains.size());
  sampling.chains = settings.chains;
  sampling.keep_samples = settings.keep_samples;
  sampling.batch_size = settings.batch;
  sampling.seed = settings.seed;
  sampling.progress = progress;
  PosteriorRun run;
  run.card = prior.card;
  run.card_path = settings.prior_card.string();
  run.reconstruction = reconstruct_posterior(physical, estimate, prior.card, SamplerPrior{prior.denoiser, prior.tokens},
                                             settings.recipe, sampling);
  return run;
}

void record_posterior_run(ReconstructionRecord& record, const PosteriorRun& run, const PosteriorSettings& settings) {
  const auto& r = run.reconstruction;
  record.parameters = r.parameters;
  record.prior_id = run.card.name;
  record.prior_sha256 = run.card.sha256;
  record.prior_card = run.card_path;
  record.seed = settings.seed;
  record.nfe = r.sampling.nfe;
  record.network_image_evaluations = r.sampling.image_evaluations;
  record.network_seconds = r.sampling.network_seconds;
  if (r.sampling.decoder_evaluations > 0) record.decoder_passes = r.sampling.decoder_evaluations;
}

}  // namespace diffrecon
