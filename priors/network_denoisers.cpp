#include "priors/network_denoisers.h"

#include <algorithm>
#include <stdexcept>

namespace diffrecon {
namespace {

torch::Tensor checked_output(const torch::Tensor& output, const torch::Tensor& x, const std::string& name) {
  if (!output.defined() || output.sizes() != x.sizes())
    throw std::runtime_error(name + ": the network returned " + (output.defined() ? c10::str(output.sizes()) : "nothing") +
                             " for an input of " + c10::str(x.sizes()));
  return output.to(x.scalar_type());
}

}  // namespace

VpEpsilonDenoiser::VpEpsilonDenoiser(NetworkFunction network, std::shared_ptr<const NoiseSchedule> schedule,
                                     double time_scale, int64_t channels, std::string name)
    : network_(std::move(network)), schedule_(std::move(schedule)), time_scale_(time_scale), channels_(channels),
      name_(std::move(name)) {
  if (!network_ || !schedule_) throw std::invalid_argument("VpEpsilonDenoiser: network and schedule are required");
}

torch::Tensor VpEpsilonDenoiser::condition_for(const torch::Tensor& sigma) const {
  const double low = schedule_->sigma_min(), high = schedule_->sigma_max();
  auto values = sigma.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  std::vector<double> times;
  for (int64_t i = 0; i < values.numel(); ++i)
    times.push_back(time_scale_ * schedule_->time_for_sigma(std::clamp(values.data_ptr<double>()[i], low, high)));
  return torch::tensor(times, torch::kFloat64).to(sigma.device(), sigma.scalar_type());
}

torch::Tensor VpEpsilonDenoiser::apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const auto s = broadcast_sigma(sigma, x);
  const auto x_t = x * (s * s + 1).rsqrt();  // x_t = sqrt(alpha_bar) x with alpha_bar = 1 / (1 + sigma^2)
  const auto epsilon = checked_output(network_(x_t, condition_for(sigma)), x, name_);
  return x - s * epsilon;
}

SigmaNetworkDenoiser::SigmaNetworkDenoiser(NetworkFunction network, Output output, int64_t channels, std::string name)
    : network_(std::move(network)), output_(output), channels_(channels), name_(std::move(name)) {
  if (!network_) throw std::invalid_argument("SigmaNetworkDenoiser: network is required");
}

std::string SigmaNetworkDenoiser::description() const {
  return name_ + (output_ == Output::Score ? " (score network)" : " (denoiser network)");
}

torch::Tensor SigmaNetworkDenoiser::apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const auto output = checked_output(network_(x, sigma), x, name_);
  if (output_ == Output::Denoised) return output;
  const auto s = broadcast_sigma(sigma, x);
  return x + s * s * output;
}

}  // namespace diffrecon
