#include "samplers/posterior_problem.h"

#include "priors/denoiser.h"
#include "core/tensor_math.h"

#include <stdexcept>

namespace diffrecon {

namespace {

int64_t product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

}  // namespace

PosteriorProblem::PosteriorProblem(Problem problem, std::vector<int64_t> image_shape)
    : problem_(std::move(problem)), image_shape_(std::move(image_shape)) {
  if (image_shape_.size() != 3)
    throw std::invalid_argument("PosteriorProblem: the prior image shape must be [Ch, H, W], got " +
                                shape_to_string(image_shape_));
  complex_unknown_ = c10::isComplexType(problem_.unknown_dtype());
  const auto domain_count = product(problem_.op().domain_shape());
  if (complex_unknown_) {
    if (image_shape_[0] != 2 || product(image_shape_) != 2 * domain_count)
      throw std::invalid_argument("PosteriorProblem: a complex unknown of shape " +
                                  shape_to_string(problem_.op().domain_shape()) +
                                  " needs a 2-channel prior image of twice its size, got " +
                                  shape_to_string(image_shape_));
  } else if (product(image_shape_) != domain_count) {
    throw std::invalid_argument("PosteriorProblem: a real unknown of shape " +
                                shape_to_string(problem_.op().domain_shape()) + " does not fit a prior image " +
                                shape_to_string(image_shape_));
  }
}

PosteriorProblem PosteriorProblem::with_default_layout(Problem problem) {
  const auto domain = problem.op().domain_shape();
  const bool complex = c10::isComplexType(problem.unknown_dtype());
  if (domain.size() == 2) {
    return PosteriorProblem(std::move(problem), {complex ? 2 : 1, domain[0], domain[1]});
  }
  if (domain.size() == 3 && !complex) return PosteriorProblem(std::move(problem), domain);
  throw std::invalid_argument("PosteriorProblem: no default prior layout for a " +
                              std::string(complex ? "complex" : "real") + " unknown of shape " +
                              shape_to_string(domain) + " (expected [H, W] or real [Ch, H, W])");
}

int64_t PosteriorProblem::unknown_count() const { return product(image_shape_); }

int64_t PosteriorProblem::measurement_count() const {
  return product(problem_.op().range_shape()) * (problem_.measurement().is_complex() ? 2 : 1);
}

torch::Tensor PosteriorProblem::to_prior(const torch::Tensor& x) const {
  const auto& domain = problem_.op().domain_shape();
  const auto batch_ndim = x.dim() - static_cast<int64_t>(domain.size());
  if (batch_ndim < 0) throw std::invalid_argument("PosteriorProblem::to_prior: input has too few dimensions");
  std::vector<int64_t> shape{-1};
  shape.insert(shape.end(), image_shape_.begin(), image_shape_.end());
  if (!complex_unknown_) return x.reshape(shape);
  // [B, *domain] complex -> [B, H, W] -> [B, 2, H, W]
  std::vector<int64_t> plane{-1, image_shape_[1], image_shape_[2]};
  return complex_to_channels(x.reshape(plane)).reshape(shape);
}

torch::Tensor PosteriorProblem::from_prior(const torch::Tensor& z) const {
  if (z.dim() != 4) throw std::invalid_argument("PosteriorProblem::from_prior: expected [B, Ch, H, W]");
  std::vector<int64_t> shape{z.size(0)};
  const auto& domain = problem_.op().domain_shape();
  shape.insert(shape.end(), domain.begin(), domain.end());
  if (!complex_unknown_) return z.reshape(shape);
  return channels_to_complex(z).reshape(shape);
}

torch::Tensor PosteriorProblem::residual(const torch::Tensor& z) const {
  return problem_.residual(from_prior(z));
}

torch::Tensor PosteriorProblem::residual_norm(const torch::Tensor& z) const {
  const auto range_ndim = static_cast<int64_t>(problem_.op().range_shape().size());
  auto r = residual(z);
  return squared_norm_per_sample(r, range_ndim).reshape({z.size(0)}).sqrt();
}

torch::Tensor PosteriorProblem::adjoint_to_prior(const torch::Tensor& r) const {
  return to_prior(problem_.op().adjoint(r));
}

torch::Tensor PosteriorProblem::normal_in_prior(const torch::Tensor& z) const {
  return to_prior(problem_.op().normal(from_prior(z)));
}

double PosteriorProblem::component_variance(double sigma) const {
  return NoiseModel{sigma}.component_variance(problem_.measurement().is_complex());
}

torch::Tensor PosteriorProblem::prior_zeros(int64_t count) const {
  auto dtype = c10::toRealValueType(problem_.measurement().scalar_type());
  std::vector<int64_t> shape{count};
  shape.insert(shape.end(), image_shape_.begin(), image_shape_.end());
  return torch::zeros(shape, torch::TensorOptions().dtype(dtype).device(problem_.measurement().device()));
}

}  // namespace diffrecon
