#include "samplers/sampler.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace diffrecon {

void require_finite(const torch::Tensor& x, const std::string& sampler, int64_t step, int64_t steps, double sigma,
                    const char* what) {
  if (torch::isfinite(x).all().item<bool>()) return;
  char message[256];
  std::snprintf(message, sizeof message,
                "%s: non-finite values (NaN or Inf) in the %s at step %lld of %lld (sigma %.4g); stopping "
                "instead of returning a corrupted image. Lower the step size or check the measurement scale.",
                sampler.c_str(), what, static_cast<long long>(step), static_cast<long long>(steps), sigma);
  throw SamplerError(message);
}

int64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

SamplingResult run_sampler(const Sampler& sampler, const PosteriorProblem& problem, const SamplingOptions& options) {
  if (options.samples < 1) throw InputError("sampling: samples must be at least 1, got " + std::to_string(options.samples));
  if (options.batch_size < 0)
    throw InputError("sampling: the chain batch size must not be negative, got " + std::to_string(options.batch_size));
  if (sampler.image_channels() != problem.image_shape()[0])
    throw InputError("sampling: the prior expects " + std::to_string(sampler.image_channels()) +
                     " channels but the problem's images have " + std::to_string(problem.image_shape()[0]));
  const auto start = std::chrono::steady_clock::now();
  const auto batch = options.batch_size == 0 ? options.samples : std::min(options.batch_size, options.samples);
  const auto batches = (options.samples + batch - 1) / batch;
  const auto& counter = sampler.evaluation_counter();
  const auto images_before = counter.images();
  SeededRandom random(options.seed);

  // Sums of the chains and of their squared moduli in float64, batch by batch.
  torch::Tensor sum, sum_squares;
  std::vector<torch::Tensor> kept;
  int64_t calls_before = counter.calls(), nfe_per_chain = 0;
  for (int64_t b = 0; b < batches; ++b) {
    const auto count = std::min(batch, options.samples - b * batch);
    StepCallback on_step;
    if (options.progress) {
      on_step = [&](const SamplerStep& step) {
        options.progress({b + 1, batches, step,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
      };
    }
    auto chains = sampler.sample(problem, count, random, on_step).detach();
    nfe_per_chain = counter.calls() - calls_before;
    calls_before = counter.calls();
    require_finite(chains, sampler.name(), 0, 0, 0.0, "final samples");
    auto physical = problem.problem().to_physical(problem.from_prior(chains));
    auto wide = physical.to(physical.is_complex() ? torch::kComplexDouble : torch::kDouble);
    auto batch_sum = wide.sum(0);
    auto batch_squares = wide.abs().square().sum(0);
    sum = sum.defined() ? sum + batch_sum : batch_sum;
    sum_squares = sum_squares.defined() ? sum_squares + batch_squares : batch_squares;
    if (options.keep_samples) kept.push_back(physical);
  }
  SamplingResult result;
  const auto n = static_cast<double>(options.samples);
  auto mean = sum / n;
  const auto output_dtype = problem.problem().unknown_dtype();
  result.mean = mean.to(output_dtype);
  if (options.samples > 1) {
    // E|x|^2 - |E x|^2 with the unbiased factor n / (n - 1); clamped at 0 against rounding.
    auto variance = (sum_squares / n - mean.abs().square()).clamp_min(0) * (n / (n - 1));
    result.std = variance.sqrt().to(c10::toRealValueType(output_dtype));
  }
  if (options.keep_samples) result.samples = torch::cat(kept, 0);
  result.nfe = nfe_per_chain;
  result.image_evaluations = counter.images() - images_before;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.peak_memory_bytes = peak_resident_bytes();
  return result;
}

}  // namespace diffrecon
