// Proximal operators prox_{t g}(v) = argmin_x g(x) + ||x - v||^2 / (2 t), and the value g(x) for
// objective reporting. Complex inputs are handled in the real-coordinates sense (soft-thresholding
// shrinks the magnitude and keeps the phase).
#pragma once

#include "core/linear_operator.h"

#include <limits>
#include <memory>
#include <string>

namespace diffrecon {

class ProximalOperator {
 public:
  virtual ~ProximalOperator() = default;
  virtual torch::Tensor apply(const torch::Tensor& v, double step) const = 0;
  virtual double value(const torch::Tensor& x) const = 0;
  virtual std::string name() const = 0;
};

// g = lambda ||x||_1 (sum of magnitudes for complex x).
class SoftThreshold final : public ProximalOperator {
 public:
  explicit SoftThreshold(double lambda);
  torch::Tensor apply(const torch::Tensor& v, double step) const override;
  double value(const torch::Tensor& x) const override;
  std::string name() const override { return "SoftThreshold"; }

 private:
  double lambda_;
};

// g = indicator of lower <= x <= upper (real x only). NonNegativity is the box [0, inf).
class BoxConstraint final : public ProximalOperator {
 public:
  BoxConstraint(double lower, double upper);
  torch::Tensor apply(const torch::Tensor& v, double step) const override;
  double value(const torch::Tensor& x) const override;
  std::string name() const override { return "BoxConstraint"; }

 private:
  double lower_, upper_;
};
std::unique_ptr<ProximalOperator> non_negativity();

// g = indicator of ||x - center||_2 <= radius over the whole tensor (center may be undefined: 0).
class L2BallProjection final : public ProximalOperator {
 public:
  L2BallProjection(double radius, torch::Tensor center = {});
  torch::Tensor apply(const torch::Tensor& v, double step) const override;
  double value(const torch::Tensor& x) const override;
  std::string name() const override { return "L2BallProjection"; }

 private:
  double radius_;
  torch::Tensor center_;
};

// g(x) = h(W x) for a unitary W (W^H W = W W^H = I), e.g. an orthogonal wavelet transform:
// prox_{t g}(v) = W^H prox_{t h}(W v).
class UnitaryTransformProximal final : public ProximalOperator {
 public:
  UnitaryTransformProximal(OperatorPtr transform, std::shared_ptr<const ProximalOperator> inner);
  torch::Tensor apply(const torch::Tensor& v, double step) const override;
  double value(const torch::Tensor& x) const override;
  std::string name() const override { return "UnitaryTransform(" + inner_->name() + ")"; }

 private:
  OperatorPtr transform_;
  std::shared_ptr<const ProximalOperator> inner_;
};

}  // namespace diffrecon
