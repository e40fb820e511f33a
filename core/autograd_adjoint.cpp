#include "core/autograd_adjoint.h"

#include <ATen/core/ivalue.h>
#include <torch/csrc/autograd/custom_function.h>

namespace diffrecon {
namespace {

enum class Mode : int64_t { Forward = 0, Adjoint = 1, Normal = 2 };

// Holds the operator in the autograd context (saved_data stores IValues only).
struct OperatorCapsule : torch::CustomClassHolder {
  explicit OperatorCapsule(OperatorPtr op) : op(std::move(op)) {}
  OperatorPtr op;
};

torch::Tensor apply_mode(const LinearOperator& op, Mode mode, const torch::Tensor& t) {
  switch (mode) {
    case Mode::Forward: return op.forward(t);
    case Mode::Adjoint: return op.adjoint(t);
    case Mode::Normal: break;
  }
  return op.normal(t);
}

// The adjoint of each mode: forward <-> adjoint; the normal operator is self-adjoint.
Mode adjoint_mode(Mode mode) {
  switch (mode) {
    case Mode::Forward: return Mode::Adjoint;
    case Mode::Adjoint: return Mode::Forward;
    case Mode::Normal: break;
  }
  return Mode::Normal;
}

struct ApplyWithAdjointGradient : torch::autograd::Function<ApplyWithAdjointGradient> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                               const c10::IValue& capsule, int64_t mode) {
    ctx->saved_data["operator"] = capsule;
    ctx->saved_data["mode"] = mode;
    auto op = c10::static_intrusive_pointer_cast<OperatorCapsule>(capsule.toCapsule());
    return apply_mode(*op->op, static_cast<Mode>(mode), input);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto op = c10::static_intrusive_pointer_cast<OperatorCapsule>(ctx->saved_data["operator"].toCapsule());
    const auto mode = adjoint_mode(static_cast<Mode>(ctx->saved_data["mode"].toInt()));
    // PyTorch passes dL/d(conj y); for a linear map the input gradient is A^H applied to it.
    return {apply_mode(*op->op, mode, grad_outputs[0]), torch::Tensor(), torch::Tensor()};
  }
};

class AdjointGradientOperator final : public LinearOperator {
 public:
  explicit AdjointGradientOperator(OperatorPtr op)
      : LinearOperator(op->name(), op->domain(), op->range()),
        op_(op),
        capsule_(c10::IValue::make_capsule(c10::make_intrusive<OperatorCapsule>(std::move(op)))) {}
  std::optional<torch::Device> device() const override { return op_->device(); }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override { return apply(x, Mode::Forward); }
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override { return apply(y, Mode::Adjoint); }
  torch::Tensor apply_normal(const torch::Tensor& x) const override { return apply(x, Mode::Normal); }

 private:
  torch::Tensor apply(const torch::Tensor& t, Mode mode) const {
    return ApplyWithAdjointGradient::apply(t, capsule_, static_cast<int64_t>(mode));
  }
  OperatorPtr op_;
  c10::IValue capsule_;
};

}  // namespace

OperatorPtr with_adjoint_gradient(OperatorPtr op) {
  if (!op) throw OperatorError("with_adjoint_gradient: operator is null");
  return std::make_shared<AdjointGradientOperator>(std::move(op));
}

}  // namespace diffrecon
