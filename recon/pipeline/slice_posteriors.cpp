#include "recon/pipeline/slice_posteriors.h"

#include "core/error.h"
#include "samplers/sampler_presets.h"
#include "samplers/shared_network_passes.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <mutex>
#include <optional>

namespace diffrecon {
namespace {

bool can_share_network_passes(const PosteriorSettings& settings, const LoadedPrior& prior) {
  if (!prior.denoiser || prior.tokens) return false;
  return !make_sampler(settings.recipe, SamplerPrior{prior.denoiser, prior.tokens})->differentiates_network();
}

int64_t chains_per_pass(const PosteriorSettings& settings) {
  const int64_t chains = settings.chains.empty() ? settings.samples : static_cast<int64_t>(settings.chains.size());
  return settings.batch > 0 ? std::min(settings.batch, chains) : chains;
}

}  // namespace

int64_t resolve_slice_batch(const PosteriorSettings& settings, const LoadedPrior& prior, int64_t slices,
                            torch::Device device) {
  if (settings.slice_batch < 0)
    throw InputError("slice batch " + std::to_string(settings.slice_batch) + ": expected 0 (automatic) or more");
  if (slices <= 1 || !can_share_network_passes(settings, prior)) return 1;
  const int64_t images_per_pass = device.is_cuda() ? kDefaultImagesPerPassGpu : kDefaultImagesPerPassCpu;
  const int64_t wanted = settings.slice_batch > 0
                             ? settings.slice_batch
                             : std::max<int64_t>(1, images_per_pass / std::max<int64_t>(1, chains_per_pass(settings)));
  return std::min(wanted, slices);
}

SlicePosteriors sample_slice_posteriors(int64_t slices,
                                        const std::function<SlicePosteriorProblem(int64_t)>& problem_of,
                                        const PosteriorSettings& settings, const LoadedPrior& prior,
                                        torch::Device device, const std::string& label,
                                        const JobObserver& observer) {
  SlicePosteriors result;
  result.slice_batch = resolve_slice_batch(settings, prior, slices, device);
  const int64_t groups = (slices + result.slice_batch - 1) / result.slice_batch;
  const std::string job_label = slices > 1 ? label + ", " + std::to_string(slices) + " slices" : label;
  std::mutex progress_mutex;
  // The slices of a group step in lockstep, so the group's first slice speaks for it: its chain
  // batch b becomes batch (group * B + b) of the job's groups * B.
  const auto progress_of = [&](int64_t group, int64_t member) -> SamplingProgressCallback {
    if (!observer.sampling || member != 0) return {};
    return [&, group](const SamplingProgress& p) {
      auto job = p;
      job.chain_batch = group * p.chain_batches + p.chain_batch;
      job.chain_batches = groups * p.chain_batches;
      std::lock_guard<std::mutex> lock(progress_mutex);
      observer.sampling(job_label, job);
    };
  };
  std::vector<std::optional<PosteriorRun>> runs(static_cast<size_t>(slices));
  for (int64_t group = 0; group < groups; ++group) {
    const int64_t first = group * result.slice_batch;
    const int64_t count = std::min(result.slice_batch, slices - first);
    std::vector<SlicePosteriorProblem> problems;
    problems.reserve(static_cast<size_t>(count));
    for (int64_t s = first; s < first + count; ++s) problems.push_back(problem_of(s));
    if (count == 1) {
      auto& run = runs[size_t(first)];
      run = sample_posterior(problems[0].problem, problems[0].estimate, settings, prior, progress_of(group, 0));
      result.network_seconds += run->reconstruction.sampling.network_seconds;
    } else {
      observer.say("slices " + std::to_string(first + 1) + "-" + std::to_string(first + count) + " of " +
                   std::to_string(slices) + " sampled together");
      const int task_threads = std::max(1, at::get_num_threads() / static_cast<int>(count));
      const auto passes = run_with_shared_network_passes(
          prior.denoiser, count,
          [&](int64_t member, DenoiserPtr shared) {
            auto slice_prior = prior;
            slice_prior.denoiser = std::move(shared);
            const auto& slice = problems[size_t(member)];
            runs[size_t(first + member)] =
                sample_posterior(slice.problem, slice.estimate, settings, slice_prior, progress_of(group, member));
          },
          task_threads);
      result.network_seconds += passes.seconds;
    }
    for (int64_t s = first; s < first + count; ++s) {
      result.network_images += runs[size_t(s)]->reconstruction.sampling.image_evaluations;
      if (observer.slice_done && slices > 1) observer.slice_done(s + 1, slices);
    }
  }
  result.runs.reserve(runs.size());
  for (auto& run : runs) result.runs.push_back(std::move(*run));
  return result;
}

void fill_reconstruction(Reconstruction& result, const SlicePosteriors& posteriors, const PosteriorSettings& settings) {
  if (posteriors.runs.empty()) throw InternalError("fill_reconstruction: no slices");
  std::vector<torch::Tensor> means, stds, chains;
  for (const auto& run : posteriors.runs) {
    const auto& sampling = run.reconstruction.sampling;
    means.push_back(sampling.mean.to(torch::kCPU));
    if (sampling.std.defined()) stds.push_back(sampling.std.to(torch::kCPU));
    if (settings.keep_samples) chains.push_back(sampling.samples.to(torch::kCPU));
  }
  result.image = torch::stack(means);
  if (!stds.empty()) result.std = torch::stack(stds);
  if (!chains.empty()) result.samples = torch::stack(chains);
  auto& record = result.record;
  record_posterior_run(record, posteriors.runs.back(), settings);
  record.network_image_evaluations = posteriors.network_images;
  record.network_seconds = posteriors.network_seconds;
  record.slices = static_cast<int64_t>(posteriors.runs.size());
  record.slice_batch = posteriors.slice_batch;
}

}  // namespace diffrecon
