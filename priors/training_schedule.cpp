#include "priors/training_schedule.h"

#include <torch/nn/module.h>

#include <algorithm>

namespace diffrecon {

void set_warmup_learning_rate(torch::optim::Adam& adam, double learning_rate, int64_t warmup_steps, int64_t completed_steps) {
  const double warmup =
      warmup_steps > 0 ? std::min(1.0, static_cast<double>(completed_steps + 1) / static_cast<double>(warmup_steps)) : 1.0;
  for (auto& group : adam.param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(learning_rate * warmup);
}

void update_weight_average(UNet& ema, const UNet& live, double decay, int64_t completed_steps) {
  torch::NoGradGuard no_grad;
  const double rate = std::min(decay, (1.0 + static_cast<double>(completed_steps)) / (10.0 + static_cast<double>(completed_steps)));
  auto live_parameters = live.parameters();
  auto averaged = ema.parameters();
  for (size_t i = 0; i < live_parameters.size(); ++i) averaged[i].mul_(rate).add_(live_parameters[i].detach(), 1.0 - rate);
  auto live_buffers = live.module()->buffers();
  auto averaged_buffers = ema.module()->buffers();
  for (size_t i = 0; i < live_buffers.size(); ++i) averaged_buffers[i].copy_(live_buffers[i]);
}

}  // namespace diffrecon
