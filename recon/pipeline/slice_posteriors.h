// The posteriors of the slices of a volume (an MRI acquisition's slices, a CT stack) as one job. The
// slices run `slice_batch` at a time, each with its own problem, sampler and seed (so each slice's
// chains are those of the slice sampled alone), their network calls gathered into one pass per step
// (samplers/shared_network_passes.h). Samplers that differentiate the network (DPS, MCG) and token
// priors (G2D2) sample the slices one after another. One progress stream for the whole job.
#pragma once

#include "core/problem.h"
#include "recon/pipeline/posterior_settings.h"
#include "recon/pipeline/reconstruction.h"

#include <functional>
#include <string>
#include <vector>

namespace diffrecon {

// The default bound on a shared pass. On the CPU the prior's cost per image is lowest at 4-8 images
// and rises again at 16 (128 x 128: 42, 32, 33, 39 ms per image at batch 1, 4, 8, 16; the caches no
// longer hold a layer's activations), and a 16-slice x 4-chain volume sampled 4 slices together was
// no faster than one slice at a time (docs/benchmarks.md, "Throughput"). A GPU needs larger batches
// to be busy; 32 there is a guess, not yet measured on a GPU.
inline constexpr int64_t kDefaultImagesPerPassCpu = 8;
inline constexpr int64_t kDefaultImagesPerPassGpu = 32;

struct SlicePosteriorProblem {
  Problem problem;         // in physical units
  torch::Tensor estimate;  // the first estimate that sets the prior's normalisation
};

struct SlicePosteriors {
  std::vector<PosteriorRun> runs;  // one per slice, in order
  int64_t slice_batch = 1;         // slices that shared network passes
  double network_seconds = 0;      // inside the network, all slices
  int64_t network_images = 0;      // images through the network, all slices and chains
};

// Slices sampled together for `settings` on a volume of `slices` on `device`: settings.slice_batch,
// or (0) as many as keep a pass at the device's default images per pass; 1 when the sampler cannot
// share passes. InputError for a negative slice batch.
int64_t resolve_slice_batch(const PosteriorSettings& settings, const LoadedPrior& prior, int64_t slices,
                            torch::Device device);

// Samples every slice on `device` (where the prior and the problems are). `problem_of(s)` builds slice
// s's problem (called on this thread, in slice order, for each group just before it runs). Progress
// goes to observer.sampling as one stream labelled `label` (", N slices" added for a volume);
// observer.slice_done once per finished slice.
SlicePosteriors sample_slice_posteriors(int64_t slices,
                                        const std::function<SlicePosteriorProblem(int64_t slice)>& problem_of,
                                        const PosteriorSettings& settings, const LoadedPrior& prior,
                                        torch::Device device, const std::string& label,
                                        const JobObserver& observer);

// The volume as a job's result, on the CPU: the slices' means, std maps and (settings.keep_samples)
// chains stacked; the record with the last slice's sampler parameters, prior and NFE per chain, the
// network images and seconds of every slice, the slice count and slice batch.
void fill_reconstruction(Reconstruction& result, const SlicePosteriors& posteriors, const PosteriorSettings& settings);

}  // namespace diffrecon
