#include "priors/noise_schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace diffrecon {
namespace {

void check_steps(int64_t steps) {
  if (steps < 2) throw std::invalid_argument("a noise schedule's time grid needs at least 2 steps");
}

std::vector<double> uniform_grid(double from, double to, int64_t steps) {
  check_steps(steps);
  std::vector<double> grid(static_cast<size_t>(steps));
  for (int64_t i = 0; i < steps; ++i) grid[i] = from + (to - from) * static_cast<double>(i) / static_cast<double>(steps - 1);
  return grid;
}

void check_sigma(double sigma, double low, double high, const std::string& schedule) {
  if (!(sigma >= low * (1 - 1e-12) && sigma <= high * (1 + 1e-12)))
    throw std::domain_error(schedule + ": sigma " + std::to_string(sigma) + " is outside the schedule's range [" +
                            std::to_string(low) + ", " + std::to_string(high) + "]");
}

}  // namespace

std::vector<double> NoiseSchedule::sigma_grid(int64_t steps) const {
  auto times = time_grid(steps);
  for (auto& t : times) t = sigma(t);
  return times;
}

double vp_sigma_from_alpha_bar(double alpha_bar) {
  if (!(alpha_bar > 0 && alpha_bar <= 1)) throw std::domain_error("alpha_bar must be in (0, 1]");
  return std::sqrt((1 - alpha_bar) / alpha_bar);
}

double vp_alpha_bar_from_sigma(double sigma) {
  if (!(sigma >= 0)) throw std::domain_error("sigma must be >= 0");
  return 1 / (1 + sigma * sigma);
}

VpDiscreteSchedule::VpDiscreteSchedule(double beta_start, double beta_end, int64_t timesteps) {
  if (timesteps < 2 || !(beta_start > 0) || !(beta_end < 1) || !(beta_start <= beta_end))
    throw std::invalid_argument("VpDiscreteSchedule: need 0 < beta_start <= beta_end < 1 and >= 2 timesteps");
  double product = 1;
  for (int64_t i = 0; i < timesteps; ++i) {
    const double beta = beta_start + (beta_end - beta_start) * static_cast<double>(i) / static_cast<double>(timesteps - 1);
    product *= 1 - beta;
    beta_.push_back(beta);
    alpha_bar_.push_back(product);
  }
}

double VpDiscreteSchedule::beta(int64_t index) const { return beta_.at(static_cast<size_t>(index)); }

double VpDiscreteSchedule::alpha_bar(double t) const {
  const double last = static_cast<double>(alpha_bar_.size() - 1);
  if (!(t >= 0 && t <= last)) throw std::domain_error("VpDiscreteSchedule: time index outside [0, " + std::to_string(last) + "]");
  const auto lower = static_cast<size_t>(std::floor(t));
  const auto upper = std::min(lower + 1, alpha_bar_.size() - 1);
  const double weight = t - static_cast<double>(lower);
  return std::exp((1 - weight) * std::log(alpha_bar_[lower]) + weight * std::log(alpha_bar_[upper]));
}

double VpDiscreteSchedule::sigma(double t) const { return vp_sigma_from_alpha_bar(alpha_bar(t)); }
double VpDiscreteSchedule::scale(double t) const { return std::sqrt(alpha_bar(t)); }

double VpDiscreteSchedule::time_for_sigma(double sigma) const {
  check_sigma(sigma, this->sigma(0), this->sigma(static_cast<double>(alpha_bar_.size() - 1)), name());
  // log alpha_bar is decreasing in the index and linear between indices: invert piecewise.
  const double target = std::log(vp_alpha_bar_from_sigma(sigma));
  for (size_t i = 0; i + 1 < alpha_bar_.size(); ++i) {
    const double a = std::log(alpha_bar_[i]), b = std::log(alpha_bar_[i + 1]);
    if (target <= a && target >= b) return static_cast<double>(i) + (a - target) / (a - b);
  }
  return target > std::log(alpha_bar_.front()) ? 0.0 : static_cast<double>(alpha_bar_.size() - 1);
}

std::vector<double> VpDiscreteSchedule::time_grid(int64_t steps) const {
  check_steps(steps);
  if (steps > timesteps()) throw std::invalid_argument("VpDiscreteSchedule: more steps than timesteps");
  std::vector<double> grid;
  for (int64_t i = 0; i < steps; ++i)
    grid.push_back(std::round(static_cast<double>(timesteps() - 1) * static_cast<double>(steps - 1 - i) /
                              static_cast<double>(steps - 1)));
  return grid;
}

std::vector<double> VpDiscreteSchedule::strided_time_grid(int64_t steps) const {
  if (steps < 1 || steps > timesteps())
    throw std::invalid_argument("VpDiscreteSchedule: strided grids need 1 to " + std::to_string(timesteps()) +
                                " steps, got " + std::to_string(steps));
  const auto stride = timesteps() / steps;
  std::vector<double> grid;
  for (int64_t t = (steps - 1) * stride; t >= 0; t -= stride) grid.push_back(static_cast<double>(t));
  return grid;
}

VpContinuousSchedule::VpContinuousSchedule(double beta_min, double beta_max, double epsilon)
    : beta_min_(beta_min), beta_max_(beta_max), epsilon_(epsilon) {
  if (!(beta_min > 0 && beta_max > beta_min && epsilon > 0 && epsilon < 1))
    throw std::invalid_argument("VpContinuousSchedule: need 0 < beta_min < beta_max and 0 < epsilon < 1");
}

double VpContinuousSchedule::alpha_bar(double t) const {
  return std::exp(-(beta_min_ * t + 0.5 * (beta_max_ - beta_min_) * t * t));
}
double VpContinuousSchedule::sigma(double t) const { return std::sqrt(std::expm1(beta_min_ * t + 0.5 * (beta_max_ - beta_min_) * t * t)); }
double VpContinuousSchedule::scale(double t) const { return std::sqrt(alpha_bar(t)); }

double VpContinuousSchedule::time_for_sigma(double sigma) const {
  if (!(sigma > 0)) throw std::domain_error("VpContinuousSchedule: sigma must be positive");
  const double beta_d = beta_max_ - beta_min_;
  return (std::sqrt(beta_min_ * beta_min_ + 2 * beta_d * std::log1p(sigma * sigma)) - beta_min_) / beta_d;
}

std::vector<double> VpContinuousSchedule::time_grid(int64_t steps) const { return uniform_grid(1.0, epsilon_, steps); }

VeGeometricSchedule::VeGeometricSchedule(double sigma_min, double sigma_max, double epsilon)
    : sigma_min_(sigma_min), sigma_max_(sigma_max), epsilon_(epsilon) {
  if (!(sigma_min > 0 && sigma_max > sigma_min && epsilon >= 0 && epsilon < 1))
    throw std::invalid_argument("VeGeometricSchedule: need 0 < sigma_min < sigma_max and 0 <= epsilon < 1");
}

double VeGeometricSchedule::sigma(double t) const { return sigma_min_ * std::pow(sigma_max_ / sigma_min_, t); }

double VeGeometricSchedule::time_for_sigma(double sigma) const {
  if (!(sigma > 0)) throw std::domain_error("VeGeometricSchedule: sigma must be positive");
  return std::log(sigma / sigma_min_) / std::log(sigma_max_ / sigma_min_);
}

std::vector<double> VeGeometricSchedule::time_grid(int64_t steps) const { return uniform_grid(1.0, epsilon_, steps); }

EdmSchedule::EdmSchedule(double sigma_min, double sigma_max, double rho) : sigma_min_(sigma_min), sigma_max_(sigma_max), rho_(rho) {
  if (!(sigma_min > 0 && sigma_max > sigma_min && rho > 0))
    throw std::invalid_argument("EdmSchedule: need 0 < sigma_min < sigma_max and rho > 0");
}

double EdmSchedule::time_for_sigma(double sigma) const {
  if (!(sigma > 0)) throw std::domain_error("EdmSchedule: sigma must be positive");
  return sigma;
}

std::vector<double> EdmSchedule::time_grid(int64_t steps) const {
  check_steps(steps);
  std::vector<double> grid;
  const double a = std::pow(sigma_max_, 1 / rho_), b = std::pow(sigma_min_, 1 / rho_);
  for (int64_t i = 0; i < steps; ++i)
    grid.push_back(std::pow(a + static_cast<double>(i) / static_cast<double>(steps - 1) * (b - a), rho_));
  return grid;
}

}  // namespace diffrecon
