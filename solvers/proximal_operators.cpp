#include "solvers/proximal_operators.h"

#include "core/tensor_math.h"

#include <cmath>
#include <stdexcept>

namespace diffrecon {
namespace {

void require_real(const torch::Tensor& v, const std::string& who) {
  if (v.is_complex()) throw std::invalid_argument(who + ": needs real input, got " + c10::toString(v.scalar_type()));
}

}  // namespace

SoftThreshold::SoftThreshold(double lambda) : lambda_(lambda) {
  if (!(lambda >= 0)) throw std::invalid_argument("SoftThreshold: lambda must be >= 0");
}

torch::Tensor SoftThreshold::apply(const torch::Tensor& v, double step) const {
  const double threshold = lambda_ * step;
  if (!v.is_complex()) return torch::sign(v) * (v.abs() - threshold).clamp_min(0);
  // Shrink the magnitude, keep the phase: v * max(|v| - t, 0) / |v| (0 where v = 0).
  auto magnitude = v.abs();
  auto factor = (magnitude - threshold).clamp_min(0) / magnitude.clamp_min(std::numeric_limits<float>::min());
  return v * factor;
}

double SoftThreshold::value(const torch::Tensor& x) const { return lambda_ * x.abs().sum().item<double>(); }

BoxConstraint::BoxConstraint(double lower, double upper) : lower_(lower), upper_(upper) {
  if (!(lower <= upper)) throw std::invalid_argument("BoxConstraint: lower bound must not exceed the upper bound");
}

torch::Tensor BoxConstraint::apply(const torch::Tensor& v, double) const {
  require_real(v, name());
  return v.clamp(std::isinf(lower_) ? c10::optional<c10::Scalar>() : c10::optional<c10::Scalar>(lower_),
                 std::isinf(upper_) ? c10::optional<c10::Scalar>() : c10::optional<c10::Scalar>(upper_));
}

double BoxConstraint::value(const torch::Tensor& x) const {
  require_real(x, name());
  const bool inside = x.ge(lower_).logical_and(x.le(upper_)).all().item<bool>();
  return inside ? 0.0 : std::numeric_limits<double>::infinity();
}

std::unique_ptr<ProximalOperator> non_negativity() {
  return std::make_unique<BoxConstraint>(0.0, std::numeric_limits<double>::infinity());
}

L2BallProjection::L2BallProjection(double radius, torch::Tensor center) : radius_(radius), center_(std::move(center)) {
  if (!(radius >= 0)) throw std::invalid_argument("L2BallProjection: radius must be >= 0");
}

torch::Tensor L2BallProjection::apply(const torch::Tensor& v, double) const {
  auto offset = center_.defined() ? v - center_ : v;
  const double distance = l2_norm(offset).item<double>();
  if (distance <= radius_) return v;
  auto projected = offset * (radius_ / distance);
  return center_.defined() ? projected + center_ : projected;
}

double L2BallProjection::value(const torch::Tensor& x) const {
  auto offset = center_.defined() ? x - center_ : x;
  // A relative slack so that a projected point counts as inside despite rounding.
  return l2_norm(offset).item<double>() <= radius_ * (1 + 1e-6) ? 0.0 : std::numeric_limits<double>::infinity();
}

UnitaryTransformProximal::UnitaryTransformProximal(OperatorPtr transform,
                                                   std::shared_ptr<const ProximalOperator> inner)
    : transform_(std::move(transform)), inner_(std::move(inner)) {
  if (!transform_ || !inner_) throw std::invalid_argument("UnitaryTransformProximal: transform and inner are required");
}

torch::Tensor UnitaryTransformProximal::apply(const torch::Tensor& v, double step) const {
  return transform_->adjoint(inner_->apply(transform_->forward(v), step));
}

double UnitaryTransformProximal::value(const torch::Tensor& x) const { return inner_->value(transform_->forward(x)); }

}  // namespace diffrecon
