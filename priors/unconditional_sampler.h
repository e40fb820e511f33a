// Unconditional sampling from a prior with EDM's deterministic Heun sampler (Karras et al. 2022,
// Algorithm 1): dx/dsigma = (x - D(x; sigma)) / sigma over the EDM sigma grid, second-order
// correction on every step but the last. It shows what a prior has learnt (diffrecon prior sample);
// posterior samplers live in samplers/.
#pragma once

#include "priors/denoiser.h"
#include "priors/noise_schedule.h"

#include <functional>
#include <vector>

namespace diffrecon {

struct UnconditionalSamplingOptions {
  int64_t steps = 32;
  double sigma_min = 0.002;
  double sigma_max = 80.0;
  double rho = 7.0;
  uint64_t seed = 0;
  std::function<void(int64_t step, int64_t steps)> progress;
};

// Returns [count, Ch, H, W] samples; 2 * steps - 1 denoiser evaluations.
torch::Tensor sample_unconditional(const Denoiser& denoiser, int64_t count, int64_t height, int64_t width,
                                   const UnconditionalSamplingOptions& options, torch::Device device = torch::kCPU);

}  // namespace diffrecon
