// Noise schedules in one picture (Karras et al. 2022, eq. 4): x_t = s(t) (x0 + sigma(t) n). VP models
// have s = sqrt(alpha_bar), sigma = sqrt((1 - alpha_bar) / alpha_bar); VE and EDM have s = 1. Every
// schedule converts exactly between its time and the EDM sigma, so a sampler written in EDM terms
// drives any network through the denoiser adapters.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace diffrecon {

class NoiseSchedule {
 public:
  virtual ~NoiseSchedule() = default;
  virtual double sigma(double t) const = 0;
  virtual double scale(double t) const = 0;
  // The inverse of sigma(t) on the schedule's time range (throws std::domain_error outside the range).
  virtual double time_for_sigma(double sigma) const = 0;
  // `steps` times from the noisiest to the least noisy, as the schedule's samplers space them.
  virtual std::vector<double> time_grid(int64_t steps) const = 0;
  virtual std::string name() const = 0;

  std::vector<double> sigma_grid(int64_t steps) const;
  double sigma_max() const { return sigma(time_grid(2).front()); }
  double sigma_min() const { return sigma(time_grid(2).back()); }
};

// DDPM's discrete VP schedule (Ho et al. 2020): betas linear from beta_start to beta_end over
// `timesteps` steps, alpha_bar_i = prod_{j <= i} (1 - beta_j); t is the (possibly fractional) index.
class VpDiscreteSchedule final : public NoiseSchedule {
 public:
  explicit VpDiscreteSchedule(double beta_start = 1e-4, double beta_end = 0.02, int64_t timesteps = 1000);
  double alpha_bar(double t) const;  // log-linear interpolation between integer indices
  double sigma(double t) const override;
  double scale(double t) const override;
  double time_for_sigma(double sigma) const override;
  // ADM's respacing: `steps` evenly spaced integer indices from timesteps - 1 down to 0.
  std::vector<double> time_grid(int64_t steps) const override;
  // DDIM's and RED-diff's respacing: indices (steps - 1) k, ..., k, 0 with the stride
  // k = timesteps / steps (integer division: 980, 960, ..., 0 for 50 of 1000). 1 <= steps <= timesteps.
  std::vector<double> strided_time_grid(int64_t steps) const;
  std::string name() const override { return "vp-discrete"; }
  int64_t timesteps() const { return static_cast<int64_t>(alpha_bar_.size()); }
  double beta(int64_t index) const;

 private:
  std::vector<double> alpha_bar_;
  std::vector<double> beta_;
};

// The continuous VP SDE (Song et al. 2021): beta(t) = beta_min + t (beta_max - beta_min), t in [eps, 1],
// alpha_bar(t) = exp(-(beta_min t + (beta_max - beta_min) t^2 / 2)).
class VpContinuousSchedule final : public NoiseSchedule {
 public:
  explicit VpContinuousSchedule(double beta_min = 0.1, double beta_max = 20.0, double epsilon = 1e-3);
  double alpha_bar(double t) const;
  double sigma(double t) const override;
  double scale(double t) const override;
  // t(sigma) = (sqrt(beta_min^2 + 2 beta_d ln(1 + sigma^2)) - beta_min) / beta_d, beta_d = beta_max - beta_min.
  double time_for_sigma(double sigma) const override;
  std::vector<double> time_grid(int64_t steps) const override;  // uniform from 1 to epsilon
  std::string name() const override { return "vp-continuous"; }

 private:
  double beta_min_, beta_max_, epsilon_;
};

// The VE SDE's geometric schedule (Song et al. 2021): sigma(t) = sigma_min (sigma_max / sigma_min)^t, t in [eps, 1].
class VeGeometricSchedule final : public NoiseSchedule {
 public:
  explicit VeGeometricSchedule(double sigma_min = 0.01, double sigma_max = 50.0, double epsilon = 1e-5);
  double sigma(double t) const override;
  double scale(double) const override { return 1.0; }
  double time_for_sigma(double sigma) const override;
  std::vector<double> time_grid(int64_t steps) const override;  // uniform from 1 to epsilon
  std::string name() const override { return "ve-geometric"; }

 private:
  double sigma_min_, sigma_max_, epsilon_;
};

// EDM (Karras et al. 2022, eq. 5): sigma(t) = t, and the steps are
// sigma_i = (sigma_max^(1/rho) + i / (N - 1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho.
class EdmSchedule final : public NoiseSchedule {
 public:
  explicit EdmSchedule(double sigma_min = 0.002, double sigma_max = 80.0, double rho = 7.0);
  double sigma(double t) const override { return t; }
  double scale(double) const override { return 1.0; }
  double time_for_sigma(double sigma) const override;
  std::vector<double> time_grid(int64_t steps) const override;
  std::string name() const override { return "edm"; }

 private:
  double sigma_min_, sigma_max_, rho_;
};

// Conversions between VP and EDM views: sigma^2 = (1 - alpha_bar) / alpha_bar.
double vp_sigma_from_alpha_bar(double alpha_bar);
double vp_alpha_bar_from_sigma(double sigma);

}  // namespace diffrecon
