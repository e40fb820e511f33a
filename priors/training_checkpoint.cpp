#include "priors/training_checkpoint.h"

namespace diffrecon {
namespace {

// Adam's state is keyed by the parameter's TensorImpl address (LibTorch 1.13, torch/optim/adam.cpp).
std::string adam_key(const torch::Tensor& parameter) { return c10::guts::to_string(parameter.unsafeGetTensorImpl()); }

}  // namespace

void write_adam_moments(torch::serialize::OutputArchive& archive, const torch::optim::Adam& adam,
                        const std::vector<torch::Tensor>& parameters) {
  torch::serialize::OutputArchive moments;
  const auto& state = adam.state();
  int64_t adam_steps = 0;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const auto found = state.find(adam_key(parameters[i]));
    if (found == state.end()) continue;  // before the first step
    const auto& moment = static_cast<const torch::optim::AdamParamState&>(*found->second);
    adam_steps = moment.step();
    moments.write("exp_avg_" + std::to_string(i), moment.exp_avg().to(torch::kBFloat16));
    moments.write("exp_avg_sq_" + std::to_string(i), moment.exp_avg_sq().to(torch::kBFloat16));
  }
  archive.write("moments", moments);
  archive.write("adam_steps", torch::tensor(adam_steps));
}

void read_adam_moments(torch::serialize::InputArchive& archive, torch::optim::Adam& adam,
                       const std::vector<torch::Tensor>& parameters) {
  torch::serialize::InputArchive moments;
  torch::Tensor adam_steps;
  archive.read("adam_steps", adam_steps);
  archive.read("moments", moments);
  auto& state = adam.state();
  state.clear();
  for (size_t i = 0; i < parameters.size(); ++i) {
    torch::Tensor exp_avg, exp_avg_sq;
    if (!moments.try_read("exp_avg_" + std::to_string(i), exp_avg)) continue;
    moments.read("exp_avg_sq_" + std::to_string(i), exp_avg_sq);
    auto moment = std::make_unique<torch::optim::AdamParamState>();
    moment->step(adam_steps.item<int64_t>());
    moment->exp_avg(exp_avg.to(parameters[i].options()).clone());
    moment->exp_avg_sq(exp_avg_sq.to(parameters[i].options()).clone());
    state[adam_key(parameters[i])] = std::move(moment);
  }
}

void write_training_counters(torch::serialize::OutputArchive& archive, const TrainingCounters& counters) {
  archive.write("completed_steps", torch::tensor(counters.completed_steps, torch::kInt64));
  archive.write("training_seconds", torch::tensor(counters.training_seconds, torch::kFloat64));
}

TrainingCounters read_training_counters(torch::serialize::InputArchive& archive) {
  torch::Tensor steps, seconds;
  archive.read("completed_steps", steps);
  archive.read("training_seconds", seconds);
  return {steps.item<int64_t>(), seconds.item<double>()};
}

}  // namespace diffrecon
