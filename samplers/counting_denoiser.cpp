#include "samplers/counting_denoiser.h"

#include <ATen/core/grad_mode.h>

#include <chrono>

namespace diffrecon {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

torch::Tensor CountingDenoiser::apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const {
  counter_->record(x.size(0));
  const bool graph = at::GradMode::is_enabled() && x.requires_grad();
  // A view of x of our own: its gradient is complete exactly when the backward pass has left the
  // network, whatever else x feeds.
  const auto input = graph ? x.view_as(x) : x;
  const auto start = Clock::now();
  auto output = inner_->denoise(input, sigma);
  counter_->record_seconds(seconds_since(start));
  if (graph && output.requires_grad()) {
    // The backward pass through the network runs from the moment the output's gradient is known to
    // the moment the input's is (autograd runs them in order on the calling thread on CPU).
    auto backward_start = std::make_shared<Clock::time_point>();
    output.register_hook([backward_start](const torch::Tensor&) { *backward_start = Clock::now(); });
    auto counter = counter_;
    input.register_hook([backward_start, counter](const torch::Tensor&) {
      counter->record_seconds(seconds_since(*backward_start));
    });
  }
  return output;
}

}  // namespace diffrecon
