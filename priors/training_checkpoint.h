// What every trainer's checkpoint holds besides its weights: Adam's state, both moments in bfloat16
// (half the bytes of float32, float32's range) keyed by parameter index with the shared step count,
// which keeps checkpoints under the size the repository can hold (~60 MiB each); and the trainer's
// counters (completed steps, training seconds).
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

struct TrainingCounters {
  int64_t completed_steps = 0;
  double training_seconds = 0.0;
};
void write_training_counters(torch::serialize::OutputArchive& archive, const TrainingCounters& counters);
TrainingCounters read_training_counters(torch::serialize::InputArchive& archive);

}  // namespace diffrecon
