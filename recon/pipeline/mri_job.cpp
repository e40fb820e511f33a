#include "recon/pipeline/mri_job.h"

#include "core/error.h"
#include "mri/sampling_mask.h"
#include "recon/pipeline/peak_memory.h"
#include "recon/pipeline/slice_posteriors.h"

#include <c10/util/StringUtil.h>

#include <chrono>
#include <cstdio>
#include <optional>

namespace diffrecon {
namespace {

ReconstructionRecord classical_record(const MriJob& job) {
  ReconstructionRecord record;
  if (job.kind == MriMethodKind::RootSumOfSquares) return record;
  const auto& options = job.classical;
  record.parameters = {{"lambda", c10::str(options.lambda)}, {"iters", std::to_string(options.iterations)}};
  if (options.method == mri::ReconstructionMethod::L1Wavelet) {
    record.parameters.emplace_back("wavelet", options.wavelet);
    record.parameters.emplace_back("random_shifts", options.random_shifts ? "yes" : "no");
    record.seed = options.seed;
  }
  record.parameters.emplace_back("coil_maps", job.coil_maps_source);
  return record;
}

}  // namespace

std::string method_name(const MriJob& job) {
  switch (job.kind) {
    case MriMethodKind::RootSumOfSquares: return "rss";
    case MriMethodKind::Posterior: return job.posterior.recipe.method;
    case MriMethodKind::Classical: break;
  }
  return mri::reconstruction_method_name(job.classical.method);
}

Reconstruction run_mri_job(const MriJob& job, const JobObserver& observer) {
  const auto started = std::chrono::steady_clock::now();
  PeakMemoryMeter memory;
  auto acquisition = mri::without_readout_oversampling(job.acquisition);
  if (job.acquisition.readout_oversampling > 1)
    observer.say("readout oversampling " + std::to_string(job.acquisition.readout_oversampling) + " removed");
  if (job.model.whiten && acquisition.noise.defined())
    observer.say("noise pre-whitening from " + std::to_string(acquisition.noise.numel() / acquisition.noise.size(0)) +
                 " samples per coil");
  auto model_options = job.model;
  model_options.log = observer.log;

  const bool posterior = job.kind == MriMethodKind::Posterior;
  std::optional<LoadedPrior> prior;
  if (posterior) prior = load_posterior_prior(job.posterior, job.device);

  Reconstruction result;
  result.record = posterior ? ReconstructionRecord{} : classical_record(job);
  const int64_t slices = acquisition.slices();
  const auto model_of = [&](int64_t b) {
    auto model = mri::sense_model(acquisition, b, model_options, job.device);
    char line[160];
    std::snprintf(line, sizeof line, "k-space: %lld coils, %lld x %lld, acceleration %.2f",
                  static_cast<long long>(model.kspace.size(0)), static_cast<long long>(model.kspace.size(1)),
                  static_cast<long long>(model.kspace.size(2)), mri::acceleration_of(model.mask));
    observer.say(line);
    return model;
  };
  if (posterior) {
    // Pre-whitened data have unit noise per complex sample (mri/acquisition.h: W n has identity covariance).
    const bool whitened = job.model.whiten && acquisition.noise.defined();
    const NoiseModel noise{job.noise_sigma > 0 ? job.noise_sigma : whitened ? 1.0 : 0.0};
    const auto problem_of = [&](int64_t b) {
      if (slices > 1) observer.say("slice " + std::to_string(b + 1) + " of " + std::to_string(slices));
      auto model = model_of(b);
      return SlicePosteriorProblem{Problem(model.op, model.kspace, noise), mri::first_estimate(model)};
    };
    const auto volume = sample_slice_posteriors(slices, problem_of, job.posterior, *prior, job.device,
                                                "mri " + job.posterior.recipe.method, observer);
    fill_reconstruction(result, volume, job.posterior);
  } else {
    std::vector<torch::Tensor> images;
    for (int64_t b = 0; b < slices; ++b) {
      if (slices > 1) observer.say("slice " + std::to_string(b + 1) + " of " + std::to_string(slices));
      if (job.kind == MriMethodKind::RootSumOfSquares) {
        auto prepared = mri::prepare_slice(acquisition, b, model_options, job.device);
        images.push_back(mri::root_sum_of_squares(prepared.kspace).to(torch::kComplexFloat).to(torch::kCPU));
      } else {
        auto model = model_of(b);
        images.push_back(mri::reconstruct(*model.op, model.kspace, job.classical).image.to(torch::kCPU));
      }
      if (observer.slice_done) observer.slice_done(b + 1, slices);
    }
    result.image = torch::stack(images);
  }
  close_job_record(result.record, "mri", method_name(job), job.inputs, posterior ? &job.posterior : nullptr, started,
                   memory);
  return result;
}

}  // namespace diffrecon
