// Adam's state in a checkpoint: both moments in bfloat16 (half the bytes of float32, float32's
// range), keyed by parameter index, and the shared step count. The trainers' checkpoints stay under
// the size the repository can hold (DEVELOPERS.md: ~60 MiB each) this way.
#pragma once

#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <vector>

namespace diffrecon {

void write_adam_moments(torch::serialize::OutputArchive& archive, const torch::optim::Adam& adam,
                        const std::vector<torch::Tensor>& parameters);
// Replaces the optimiser's state with the archive's (written by write_adam_moments for the same parameters).
void read_adam_moments(torch::serialize::InputArchive& archive, torch::optim::Adam& adam,
                       const std::vector<torch::Tensor>& parameters);

}  // namespace diffrecon
