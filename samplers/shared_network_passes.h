// Several samplers sharing one prior's network passes: the slices of a volume, each sampled by its own
// sampler on a thread of its own, step in lockstep, so the images every slice sends to the network at
// one step can go through it as one batch (what a GPU needs to be busy, and a few per cent per image
// on a CPU: docs/benchmarks.md, "Throughput"). Each task gets a Denoiser of its own whose calls are
// gathered: a network pass runs when every task still running has asked, on all their images at once,
// on the thread that called run_with_shared_network_passes (with its intra-op threads), while the
// tasks' own work (data terms, CG, FFTs) runs on their threads. Each task's result is what it would
// be alone up to the last bits a batch size can change (recorded as the slice batch).
//
// Only for samplers that do not differentiate the network (DAPS, RED-diff, DiffPIR, DDS): a backward
// pass through one task's images would need the whole batch's. A task that asks for the network with
// a gradient gets an InternalError.
#pragma once

#include "priors/denoiser.h"

#include <cstdint>
#include <functional>

namespace diffrecon {

struct SharedPassStatistics {
  int64_t passes = 0;    // network passes run
  int64_t images = 0;    // images through the network, all tasks
  double seconds = 0;    // wall time inside the network passes
  int64_t largest_pass = 0;  // images in the largest pass
};

// Runs task(t, denoiser_t) for t = 0 .. tasks - 1, each on a thread of its own with `task_threads`
// intra-op threads; denoiser_t forwards to `prior` through the shared passes. When a task throws, the
// others stop at their next network call, and once every thread has ended the first task's exception
// (in task order; an exception of the network pass before any) is rethrown.
SharedPassStatistics run_with_shared_network_passes(const DenoiserPtr& prior, int64_t tasks,
                                                    const std::function<void(int64_t task, DenoiserPtr denoiser)>& task,
                                                    int task_threads = 1);

}  // namespace diffrecon
