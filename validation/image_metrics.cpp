#include "validation/image_metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon {
namespace {

// Both images as real float64 magnitudes (real images stay signed), after checking their shapes.
std::pair<torch::Tensor, torch::Tensor> comparable(const torch::Tensor& image, const torch::Tensor& reference,
                                                   const char* metric) {
  if (!image.defined() || !reference.defined()) throw std::invalid_argument(std::string(metric) + ": undefined image");
  if (image.sizes() != reference.sizes())
    throw std::invalid_argument(std::string(metric) + ": image shape " + c10::str(image.sizes()) +
                                " differs from reference shape " + c10::str(reference.sizes()));
  auto as_real = [](const torch::Tensor& t) { return (t.is_complex() ? t.abs() : t).to(torch::kFloat64); };
  return {as_real(image), as_real(reference)};
}

double range_of(const torch::Tensor& reference, double data_range) {
  if (data_range > 0) return data_range;
  const double range = (reference.max() - reference.min()).item<double>();
  if (!(range > 0)) throw std::invalid_argument("image metrics: the reference is constant; pass data_range");
  return range;
}

torch::Tensor gaussian_window(int size, double sigma, const torch::TensorOptions& options) {
  auto coordinates = torch::arange(size, options) - (size - 1) / 2.0;
  auto g = torch::exp(-coordinates.square() / (2 * sigma * sigma));
  g = g / g.sum();
  return torch::outer(g, g).reshape({1, 1, size, size});
}

}  // namespace

double psnr(const torch::Tensor& image, const torch::Tensor& reference, double data_range) {
  auto [x, ref] = comparable(image, reference, "psnr");
  const double range = range_of(ref, data_range);
  const double mse = (x - ref).square().mean().item<double>();
  return mse > 0 ? 10.0 * std::log10(range * range / mse) : std::numeric_limits<double>::infinity();
}

double least_squares_scale(const torch::Tensor& image, const torch::Tensor& reference) {
  auto [x, r] = comparable(image, reference, "least_squares_scale");
  return (x * r).sum().item<double>() / std::max((x * x).sum().item<double>(), 1e-300);
}

double nrmse(const torch::Tensor& image, const torch::Tensor& reference) {
  auto [x, ref] = comparable(image, reference, "nrmse");
  return ((x - ref).square().sum().sqrt() / ref.square().sum().sqrt()).item<double>();
}

double ssim(const torch::Tensor& image, const torch::Tensor& reference, double data_range) {
  auto [x, ref] = comparable(image, reference, "ssim");
  if (x.dim() < 2 || x.size(-1) < 11 || x.size(-2) < 11)
    throw std::invalid_argument("ssim: images must be at least 11 x 11, got " + c10::str(x.sizes()));
  const double range = range_of(ref, data_range);
  const double c1 = std::pow(0.01 * range, 2), c2 = std::pow(0.03 * range, 2);
  const auto window = gaussian_window(11, 1.5, x.options());
  auto as_batch = [](const torch::Tensor& t) { return t.reshape({-1, 1, t.size(-2), t.size(-1)}); };
  auto filter = [&](const torch::Tensor& t) { return torch::conv2d(t, window); };  // 'valid' region only
  auto a = as_batch(x), b = as_batch(ref);
  auto mu_a = filter(a), mu_b = filter(b);
  auto var_a = filter(a * a) - mu_a.square();
  auto var_b = filter(b * b) - mu_b.square();
  auto cov = filter(a * b) - mu_a * mu_b;
  // Wang et al. 2004, eq. (13).
  auto map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a.square() + mu_b.square() + c1) * (var_a + var_b + c2));
  return map.mean().item<double>();
}

}  // namespace diffrecon
