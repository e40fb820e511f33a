// Adapters that turn a network with another parameterisation into an EDM denoiser D(x; sigma), so every
// sampler works with every model:
//  - VP epsilon networks (DDPM/ADM, as DAPS's VPPrecond wraps them): the network sees
//    x_t = x / sqrt(1 + sigma^2) and the VP time of sigma, and D = x - sigma eps(x_t, t(sigma));
//  - networks conditioned on sigma: score networks (VE/NCSN), D = x + sigma^2 s(x, sigma), and denoising
//    networks, D = network(x, sigma).
#pragma once

#include "priors/denoiser.h"
#include "priors/noise_schedule.h"

#include <functional>

namespace diffrecon {

// The raw call of a network: output [B, Ch, H, W] = network(input [B, Ch, H, W], condition [B]).
using NetworkFunction = std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>;

class VpEpsilonDenoiser final : public Denoiser {
 public:
  // The network is conditioned on time_scale * schedule.time_for_sigma(sigma): for a discrete schedule the
  // (fractional) step index with time_scale 1; for a continuous one, e.g. 999 t as in DAPS. Sigmas beyond
  // the schedule's range are clamped for the conditioning only.
  VpEpsilonDenoiser(NetworkFunction network, std::shared_ptr<const NoiseSchedule> schedule, double time_scale,
                    int64_t channels, std::string name);
  int64_t channels() const override { return channels_; }
  std::string description() const override { return name_ + " (VP epsilon network, " + schedule_->name() + ")"; }
  torch::Tensor condition_for(const torch::Tensor& sigma) const;

 protected:
  torch::Tensor apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const override;

 private:
  NetworkFunction network_;
  std::shared_ptr<const NoiseSchedule> schedule_;
  double time_scale_;
  int64_t channels_;
  std::string name_;
};

// Networks conditioned on sigma itself: a score network gives D = x + sigma^2 s(x, sigma), a denoising
// network gives D = network(x, sigma).
class SigmaNetworkDenoiser final : public Denoiser {
 public:
  enum class Output { Denoised, Score };
  SigmaNetworkDenoiser(NetworkFunction network, Output output, int64_t channels, std::string name);
  int64_t channels() const override { return channels_; }
  std::string description() const override;

 protected:
  torch::Tensor apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const override;

 private:
  NetworkFunction network_;
  Output output_;
  int64_t channels_;
  std::string name_;
};

}  // namespace diffrecon
