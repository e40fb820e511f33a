// Adam (Kingma & Ba 2015, Algorithm 1) on a tensor, element by element, so chains stacked in one
// tensor stay independent. RED-diff fits its mean with it; G2D2's RAdam is samplers/radam.h.
#pragma once

#include <torch/types.h>

#include <cmath>
#include <cstdint>

namespace diffrecon {

struct AdamOptions {
  double lr = 0.1;
  double beta1 = 0.9, beta2 = 0.99;
  double epsilon = 1e-8;
};

class Adam {
 public:
  explicit Adam(AdamOptions options) : options_(options) {}

  // One step from `parameter` along `gradient`; returns the new parameter. The moments start at 0 on
  // the first call.
  torch::Tensor step(const torch::Tensor& parameter, const torch::Tensor& gradient) {
    if (!first_moment_.defined()) {
      first_moment_ = torch::zeros_like(parameter);
      second_moment_ = torch::zeros_like(parameter);
    }
    ++steps_;
    first_moment_ = options_.beta1 * first_moment_ + (1 - options_.beta1) * gradient;
    second_moment_ = options_.beta2 * second_moment_ + (1 - options_.beta2) * gradient.square();
    const double correction1 = 1 - std::pow(options_.beta1, static_cast<double>(steps_));
    const double correction2 = 1 - std::pow(options_.beta2, static_cast<double>(steps_));
    return parameter -
           options_.lr * (first_moment_ / correction1) / ((second_moment_ / correction2).sqrt() + options_.epsilon);
  }
  int64_t steps() const { return steps_; }

 private:
  AdamOptions options_;
  torch::Tensor first_moment_, second_moment_;
  int64_t steps_ = 0;
};

}  // namespace diffrecon
