// RAdam (Liu et al., ICLR 2020, Algorithm 2, as torch.optim.RAdam computes it) on a tensor, element
// by element: Adam whose adaptive step is switched on only once the variance of its second-moment
// estimate is tractable (rho_t > 5), and rectified by r_t until then-on. G2D2 optimises its token
// logits with it (../shared/reference/samplers.md section 6.2). The learning rate may change between
// steps (G2D2 decays it across diffusion steps).
#pragma once

#include <torch/types.h>

#include <cmath>
#include <cstdint>

namespace diffrecon {

struct RAdamOptions {
  double beta1 = 0.9, beta2 = 0.999;  // torch.optim.RAdam's defaults
  double epsilon = 1e-8;
};

class RAdam {
 public:
  explicit RAdam(RAdamOptions options = {}) : options_(options) {}

  // One step of size `lr` from `parameter` along `gradient`; returns the new parameter.
  torch::Tensor step(const torch::Tensor& parameter, const torch::Tensor& gradient, double lr) {
    if (!first_moment_.defined()) {
      first_moment_ = torch::zeros_like(parameter);
      second_moment_ = torch::zeros_like(parameter);
    }
    ++steps_;
    const double b1 = options_.beta1, b2 = options_.beta2, t = static_cast<double>(steps_);
    first_moment_ = b1 * first_moment_ + (1 - b1) * gradient;
    second_moment_ = b2 * second_moment_ + (1 - b2) * gradient.square();
    const double correction1 = 1 - std::pow(b1, t), correction2 = 1 - std::pow(b2, t);
    const auto corrected = first_moment_ / correction1;
    const double rho_infinity = 2 / (1 - b2) - 1;
    const double rho = rho_infinity - 2 * t * std::pow(b2, t) / correction2;
    if (rho <= 5) return parameter - lr * corrected;  // un-adapted momentum step
    const double rectification =
        std::sqrt((rho - 4) * (rho - 2) * rho_infinity / ((rho_infinity - 4) * (rho_infinity - 2) * rho));
    return parameter - lr * rectification * corrected * std::sqrt(correction2) / (second_moment_.sqrt() + options_.epsilon);
  }
  int64_t steps() const { return steps_; }

 private:
  RAdamOptions options_;
  torch::Tensor first_moment_, second_moment_;
  int64_t steps_ = 0;
};

}  // namespace diffrecon
