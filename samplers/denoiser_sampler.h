// The base of samplers whose prior is a Denoiser D(x; sigma) (DPS, MCG, DAPS, RED-diff): it owns the
// prior wrapped in a CountingDenoiser, so every evaluation a loop makes is counted, and answers the
// Sampler questions that follow from the prior (channels, evaluation counter).
#pragma once

#include "core/error.h"
#include "samplers/counting_denoiser.h"
#include "samplers/sampler.h"

#include <memory>

namespace diffrecon {

class DenoiserSampler : public Sampler {
 public:
  int64_t image_channels() const override { return prior_.channels(); }
  const EvaluationCounter& evaluation_counter() const override { return prior_.counter(); }

 protected:
  // Throws InputError when `prior` is null.
  explicit DenoiserSampler(DenoiserPtr prior)
      : prior_(checked(std::move(prior)), std::make_shared<EvaluationCounter>()) {}
  // The prior as the loops call it: counted.
  const Denoiser& prior() const { return prior_; }

 private:
  static DenoiserPtr checked(DenoiserPtr prior) {
    if (!prior) throw InputError("sampler: no prior (a null Denoiser) was given");
    return prior;
  }
  CountingDenoiser prior_;
};

}  // namespace diffrecon
