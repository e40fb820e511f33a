#include "priors/gaussian_mixture_prior.h"

#include <cmath>
#include <stdexcept>

namespace diffrecon {
namespace {

constexpr double kLogTwoPi = 1.8378770664093453;

torch::Tensor symmetric(const torch::Tensor& m) { return (m + m.transpose(-1, -2)) / 2; }

}  // namespace

GaussianMixturePrior::GaussianMixturePrior(std::vector<GaussianComponent> components, std::vector<int64_t> image_shape)
    : components_(std::move(components)), image_shape_(std::move(image_shape)) {
  if (components_.empty()) throw std::invalid_argument("GaussianMixturePrior: no components");
  if (image_shape_.size() != 3) throw std::invalid_argument("GaussianMixturePrior: image shape must be [Ch, H, W]");
  dimension_ = image_shape_[0] * image_shape_[1] * image_shape_[2];
  double total = 0;
  for (auto& component : components_) {
    if (!(component.weight > 0)) throw std::invalid_argument("GaussianMixturePrior: weights must be positive");
    component.mean = component.mean.to(torch::kCPU, torch::kFloat64).reshape({-1});
    component.covariance = symmetric(component.covariance.to(torch::kCPU, torch::kFloat64));
    if (component.mean.numel() != dimension_ || component.covariance.sizes() != torch::IntArrayRef({dimension_, dimension_}))
      throw std::invalid_argument("GaussianMixturePrior: each mean must be [" + std::to_string(dimension_) +
                                  "] and each covariance [" + std::to_string(dimension_) + ", " +
                                  std::to_string(dimension_) + "] for images " + c10::str(image_shape_));
    total += component.weight;
    auto [eigenvalues, eigenvectors] = torch::linalg_eigh(component.covariance);
    if (eigenvalues.min().item<double>() < -1e-9 * std::max(1.0, eigenvalues.max().item<double>()))
      throw std::invalid_argument("GaussianMixturePrior: a covariance is not positive semi-definite");
    spectra_.push_back({eigenvalues.clamp_min(0), eigenvectors});
  }
  for (auto& component : components_) component.weight /= total;
}

GaussianMixturePrior GaussianMixturePrior::gaussian(const torch::Tensor& mean, const torch::Tensor& covariance,
                                                    std::vector<int64_t> image_shape) {
  return GaussianMixturePrior({{1.0, mean, covariance}}, std::move(image_shape));
}

std::string GaussianMixturePrior::description() const {
  return components_.size() == 1 ? "analytic Gaussian prior (d = " + std::to_string(dimension_) + ")"
                                 : "analytic Gaussian mixture prior (" + std::to_string(components_.size()) +
                                       " components, d = " + std::to_string(dimension_) + ")";
}

torch::Tensor GaussianMixturePrior::flat(const torch::Tensor& x) const {
  if (x.dim() != 4 || x.size(1) != image_shape_[0] || x.size(2) != image_shape_[1] || x.size(3) != image_shape_[2])
    throw std::invalid_argument(description() + ": expected [B, " + std::to_string(image_shape_[0]) + ", " +
                                std::to_string(image_shape_[1]) + ", " + std::to_string(image_shape_[2]) + "], got " +
                                c10::str(x.sizes()));
  return x.to(torch::kCPU, torch::kFloat64).reshape({x.size(0), dimension_});
}

torch::Tensor GaussianMixturePrior::apply_spectral(size_t k, const torch::Tensor& v, const torch::Tensor& sigma,
                                                   bool times_covariance) const {
  const auto& spectrum = spectra_[k];
  const auto variance = spectrum.eigenvalues.unsqueeze(0) + (sigma * sigma).unsqueeze(1);  // [B, d]
  auto factor = times_covariance ? spectrum.eigenvalues.unsqueeze(0) / variance : variance.reciprocal();
  const auto coefficients = torch::matmul(v, spectrum.eigenvectors) * factor;
  return torch::matmul(coefficients, spectrum.eigenvectors.transpose(0, 1));
}

torch::Tensor GaussianMixturePrior::weighted_log_likelihoods(const torch::Tensor& flat_x, const torch::Tensor& sigma) const {
  std::vector<torch::Tensor> columns;
  for (size_t k = 0; k < components_.size(); ++k) {
    const auto& spectrum = spectra_[k];
    const auto variance = spectrum.eigenvalues.unsqueeze(0) + (sigma * sigma).unsqueeze(1);
    const auto coefficients = torch::matmul(flat_x - components_[k].mean, spectrum.eigenvectors);
    const auto quadratic = (coefficients * coefficients / variance).sum(1);
    const auto log_determinant = variance.log().sum(1);
    columns.push_back(std::log(components_[k].weight) - 0.5 * (quadratic + log_determinant + dimension_ * kLogTwoPi));
  }
  return torch::stack(columns, 1);
}

torch::Tensor GaussianMixturePrior::responsibilities(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const auto s = per_sample_sigma(x, sigma).to(torch::kCPU, torch::kFloat64);
  return torch::softmax(weighted_log_likelihoods(flat(x), s), 1).to(x.scalar_type());
}

torch::Tensor GaussianMixturePrior::log_density(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const auto s = per_sample_sigma(x, sigma).to(torch::kCPU, torch::kFloat64);
  return torch::logsumexp(weighted_log_likelihoods(flat(x), s), 1).to(x.scalar_type());
}

torch::Tensor GaussianMixturePrior::apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const auto s = sigma.to(torch::kCPU, torch::kFloat64);
  const auto v = flat(x);
  const auto gamma = torch::softmax(weighted_log_likelihoods(v, s), 1);
  auto result = torch::zeros_like(v);
  for (size_t k = 0; k < components_.size(); ++k) {
    const auto centred = v - components_[k].mean;
    result += gamma.select(1, static_cast<int64_t>(k)).unsqueeze(1) *
              (components_[k].mean + apply_spectral(k, centred, s, /*times_covariance=*/true));
  }
  return result.view(x.sizes()).to(x.device(), x.scalar_type());
}

torch::Tensor GaussianMixturePrior::exact_score(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const auto s = per_sample_sigma(x, sigma).to(torch::kCPU, torch::kFloat64);
  const auto v = flat(x);
  const auto gamma = torch::softmax(weighted_log_likelihoods(v, s), 1);
  auto result = torch::zeros_like(v);
  for (size_t k = 0; k < components_.size(); ++k)
    result -= gamma.select(1, static_cast<int64_t>(k)).unsqueeze(1) *
              apply_spectral(k, v - components_[k].mean, s, /*times_covariance=*/false);
  return result.view(x.sizes()).to(x.device(), x.scalar_type());
}

torch::Tensor GaussianMixturePrior::denoiser_covariance(const torch::Tensor& x, const torch::Tensor& sigma) const {
  const auto s = per_sample_sigma(x, sigma).to(torch::kCPU, torch::kFloat64);
  const auto v = flat(x);
  const auto gamma = torch::softmax(weighted_log_likelihoods(v, s), 1);
  const int64_t batch = v.size(0);
  auto second_moment = torch::zeros({batch, dimension_, dimension_}, v.options());
  auto first_moment = torch::zeros_like(v);
  for (size_t k = 0; k < components_.size(); ++k) {
    const auto& spectrum = spectra_[k];
    const auto g = gamma.select(1, static_cast<int64_t>(k));
    const auto m_k = components_[k].mean + apply_spectral(k, v - components_[k].mean, s, true);
    // V_k = U diag(lambda sigma^2 / (lambda + sigma^2)) U^T, per sample.
    const auto shrink = spectrum.eigenvalues.unsqueeze(0) * (s * s).unsqueeze(1) /
                        (spectrum.eigenvalues.unsqueeze(0) + (s * s).unsqueeze(1));
    const auto V_k = torch::matmul(spectrum.eigenvectors.unsqueeze(0) * shrink.unsqueeze(1),
                                   spectrum.eigenvectors.transpose(0, 1).unsqueeze(0));
    second_moment += g.view({-1, 1, 1}) * (V_k + m_k.unsqueeze(2) * m_k.unsqueeze(1));
    first_moment += g.unsqueeze(1) * m_k;
  }
  return symmetric(second_moment - first_moment.unsqueeze(2) * first_moment.unsqueeze(1)).to(x.scalar_type());
}

namespace {

// Index of the component each row picks: the first k whose cumulative probability exceeds u. [B, K] -> [B].
torch::Tensor pick_components(const torch::Tensor& probabilities, const torch::Tensor& uniform) {
  const auto cumulative = probabilities.cumsum(1);
  const auto k = (cumulative < uniform.unsqueeze(1)).sum(1);
  return k.clamp_max(probabilities.size(1) - 1);
}

}  // namespace

torch::Tensor GaussianMixturePrior::sample(int64_t count, SeededRandom& random) const {
  if (count < 1) throw std::invalid_argument("GaussianMixturePrior::sample: count must be >= 1");
  std::vector<double> weights;
  for (const auto& component : components_) weights.push_back(component.weight);
  const auto probabilities = torch::tensor(weights, torch::kFloat64).unsqueeze(0).expand({count, -1});
  const auto choice = pick_components(probabilities, random.uniform({count}, torch::kFloat64));
  const auto noise = random.normal({count, dimension_}, torch::kFloat64);
  auto samples = torch::empty({count, dimension_}, torch::kFloat64);
  for (size_t k = 0; k < components_.size(); ++k) {
    const auto rows = (choice == static_cast<int64_t>(k)).nonzero().squeeze(1);
    if (rows.numel() == 0) continue;
    const auto root = spectra_[k].eigenvectors * spectra_[k].eigenvalues.sqrt().unsqueeze(0);  // U Lambda^1/2
    samples.index_copy_(0, rows, components_[k].mean + torch::matmul(noise.index_select(0, rows), root.transpose(0, 1)));
  }
  return samples.view({count, image_shape_[0], image_shape_[1], image_shape_[2]});
}

torch::Tensor GaussianMixturePrior::sample_clean_given_noisy(const torch::Tensor& x, double sigma, SeededRandom& random) const {
  const int64_t batch = x.size(0);
  const auto s = torch::full({batch}, sigma, torch::kFloat64);
  const auto v = flat(x);
  const auto gamma = torch::softmax(weighted_log_likelihoods(v, s), 1);
  const auto choice = pick_components(gamma, random.uniform({batch}, torch::kFloat64));
  const auto noise = random.normal({batch, dimension_}, torch::kFloat64);
  auto samples = torch::empty_like(v);
  for (size_t k = 0; k < components_.size(); ++k) {
    const auto rows = (choice == static_cast<int64_t>(k)).nonzero().squeeze(1);
    if (rows.numel() == 0) continue;
    const auto& spectrum = spectra_[k];
    const auto selected = v.index_select(0, rows);
    const auto m_k = components_[k].mean + apply_spectral(k, selected - components_[k].mean, s.index_select(0, rows), true);
    // x0 | x, k ~ N(m_k, V_k), V_k = U diag(lambda sigma^2 / (lambda + sigma^2)) U^T.
    const auto shrink = spectrum.eigenvalues * sigma * sigma / (spectrum.eigenvalues + sigma * sigma);
    const auto root = spectrum.eigenvectors * shrink.sqrt().unsqueeze(0);
    samples.index_copy_(0, rows, m_k + torch::matmul(noise.index_select(0, rows), root.transpose(0, 1)));
  }
  return samples.view(x.sizes()).to(x.scalar_type());
}

GaussianMixturePrior GaussianMixturePrior::posterior(const torch::Tensor& A_in, const torch::Tensor& y_in, double sigma_y) const {
  if (A_in.is_complex() || y_in.is_complex())
    throw std::invalid_argument("GaussianMixturePrior::posterior: A and y must be real (use the real-augmented form)");
  const auto A = A_in.to(torch::kCPU, torch::kFloat64);
  const auto y = y_in.to(torch::kCPU, torch::kFloat64).reshape({-1});
  if (A.dim() != 2 || A.size(1) != dimension_ || A.size(0) != y.numel())
    throw std::invalid_argument("GaussianMixturePrior::posterior: A must be [m, " + std::to_string(dimension_) +
                                "] and y [m]");
  if (!(sigma_y > 0)) throw std::invalid_argument("GaussianMixturePrior::posterior: sigma_y must be positive");
  const auto identity = torch::eye(A.size(0), torch::kFloat64);
  std::vector<GaussianComponent> result;
  std::vector<double> log_weights;
  for (const auto& component : components_) {
    const auto& Sigma = component.covariance;
    const auto S = symmetric(torch::matmul(torch::matmul(A, Sigma), A.transpose(0, 1))) + sigma_y * sigma_y * identity;
    const auto gain = torch::linalg_solve(S, torch::matmul(A, Sigma)).transpose(0, 1);  // Sigma A^T S^-1
    const auto residual = y - torch::matmul(A, component.mean);
    const auto mean = component.mean + torch::matmul(gain, residual);
    const auto covariance = symmetric(Sigma - torch::matmul(gain, torch::matmul(A, Sigma)));
    const auto log_det = std::get<1>(torch::linalg_slogdet(S)).item<double>();
    const auto quadratic = torch::dot(residual, torch::linalg_solve(S, residual.unsqueeze(1)).squeeze(1)).item<double>();
    log_weights.push_back(std::log(component.weight) -
                          0.5 * (quadratic + log_det + static_cast<double>(A.size(0)) * kLogTwoPi));
    result.push_back({1.0, mean, covariance});
  }
  const double top = *std::max_element(log_weights.begin(), log_weights.end());
  for (size_t k = 0; k < result.size(); ++k) result[k].weight = std::exp(log_weights[k] - top);
  return GaussianMixturePrior(std::move(result), image_shape_);
}

torch::Tensor GaussianMixturePrior::mean() const {
  auto total = torch::zeros({dimension_}, torch::kFloat64);
  for (const auto& component : components_) total += component.weight * component.mean;
  return total;
}

torch::Tensor GaussianMixturePrior::covariance() const {
  const auto overall = mean();
  auto total = torch::zeros({dimension_, dimension_}, torch::kFloat64);
  for (const auto& component : components_) {
    const auto centred = component.mean - overall;
    total += component.weight * (component.covariance + torch::outer(centred, centred));
  }
  return total;
}

}  // namespace diffrecon
