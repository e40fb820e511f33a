// Pieces every trainer shares: the learning-rate warm-up and the exponential moving average of the
// weights that ships (EDM's ema_rampup: early steps average over fewer steps, so the EMA is not stuck
// at the initial weights).
#pragma once

#include "priors/unet.h"

#include <torch/optim/adam.h>

#include <cstdint>

namespace diffrecon {

// Sets Adam's learning rate for the step after `completed_steps`: linear warm-up over `warmup_steps`.
void set_warmup_learning_rate(torch::optim::Adam& adam, double learning_rate, int64_t warmup_steps, int64_t completed_steps);

// ema <- decay' ema + (1 - decay') live with decay' = min(decay, (1 + n) / (10 + n)); buffers copied.
void update_weight_average(UNet& ema, const UNet& live, double decay, int64_t completed_steps);

}  // namespace diffrecon
