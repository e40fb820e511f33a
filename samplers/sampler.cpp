#include "samplers/sampler.h"

#include "samplers/chain_moments.h"

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
  std::vector<int64_t> chains = options.chains;
  if (chains.empty())
    for (int64_t c = 0; c < options.samples; ++c) chains.push_back(c);
  const auto samples = static_cast<int64_t>(chains.size());
  const auto start = std::chrono::steady_clock::now();
  const auto batch = options.batch_size == 0 ? samples : std::min(options.batch_size, samples);
  const auto batches = (samples + batch - 1) / batch;
  const auto& counter = sampler.evaluation_counter();
  const auto images_before = counter.images();
  const auto network_seconds_before = counter.seconds();

  // Mean and std accumulated chain by chain, in chain order (samplers/chain_moments.h).
  ChainMoments moments;
  std::vector<torch::Tensor> kept;
  int64_t calls_before = counter.calls(), nfe_per_chain = 0;
  const auto* decoder = sampler.decoder_counter();
  int64_t decoder_before = decoder ? decoder->calls() : 0, decoder_per_chain = 0;
  for (int64_t b = 0; b < batches; ++b) {
    const auto count = std::min(batch, samples - b * batch);
    StepCallback on_step;
    if (options.progress) {
      on_step = [&](const SamplerStep& step) {
        options.progress({b + 1, batches, step,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
      };
    }
    SeededRandom random(options.seed, std::vector<int64_t>(chains.begin() + b * batch, chains.begin() + b * batch + count));
    auto drawn = sampler.sample(problem, count, random, on_step).detach();
    nfe_per_chain = counter.calls() - calls_before;
    calls_before = counter.calls();
    if (decoder) {
      decoder_per_chain = decoder->calls() - decoder_before;
      decoder_before = decoder->calls();
    }
    require_finite(drawn, sampler.name(), 0, 0, 0.0, "final samples");
    auto physical = problem.problem().to_physical(problem.from_prior(drawn));
    for (int64_t c = 0; c < count; ++c) moments.add(physical[c]);
    if (options.keep_samples) kept.push_back(physical);
  }
  SamplingResult result;
  const auto output_dtype = problem.problem().unknown_dtype();
  result.mean = moments.mean(output_dtype);
  if (samples > 1) result.std = moments.std(output_dtype);
  if (options.keep_samples) result.samples = torch::cat(kept, 0);
  result.nfe = nfe_per_chain;
  result.decoder_evaluations = decoder_per_chain;
  result.image_evaluations = counter.images() - images_before;
  result.network_seconds = counter.seconds() - network_seconds_before;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.peak_memory_bytes = peak_resident_bytes();
  return result;
}

}  // namespace diffrecon
