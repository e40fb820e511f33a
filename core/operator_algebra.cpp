#include "core/operator_algebra.h"

#include <numeric>
#include <sstream>

namespace diffrecon {
namespace {

std::string describe(const LinearOperator& op) {
  return op.name() + " (domain " + shape_to_string(op.domain_shape()) + ", range " + shape_to_string(op.range_shape()) +
         ")";
}

void require_operator(const OperatorPtr& op, const char* what) {
  if (!op) throw OperatorError(std::string(what) + ": operator is null");
}

// The field of two spaces that must hold the same elements; `Any` yields to a definite field.
Field join_fields(Field a, Field b, const std::string& context) {
  if (a == Field::Any) return b;
  if (b == Field::Any || a == b) return a;
  throw OperatorError(context + ": a " + field_name(a) + " space cannot be joined with a " + field_name(b) + " space");
}

std::optional<torch::Device> common_device(const std::vector<OperatorPtr>& ops, const std::string& context) {
  std::optional<torch::Device> device;
  for (const auto& op : ops) {
    auto d = op->device();
    if (!d) continue;
    if (device && *device != *d)
      throw OperatorError(context + ": " + op->name() + " lives on " + d->str() + " but another part lives on " +
                          device->str());
    device = d;
  }
  return device;
}

int64_t numel_of(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

class IdentityOperator final : public LinearOperator {
 public:
  IdentityOperator(Shape shape, Field field) : LinearOperator("Identity", {shape, field}, {shape, field}) {}

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override { return x; }
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override { return y; }
  torch::Tensor apply_normal(const torch::Tensor& x) const override { return x; }
};

class ComposedOperator final : public LinearOperator {
 public:
  ComposedOperator(OperatorPtr outer, OperatorPtr inner, Space domain, Space range)
      : LinearOperator("Compose(" + outer->name() + ", " + inner->name() + ")", std::move(domain), std::move(range)),
        outer_(std::move(outer)),
        inner_(std::move(inner)),
        device_(common_device({outer_, inner_}, name())) {}
  std::optional<torch::Device> device() const override { return device_; }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override { return outer_->forward(inner_->forward(x)); }
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override { return inner_->adjoint(outer_->adjoint(y)); }
  // B^H (A^H A) B: uses the outer operator's own normal (identity for a unitary FFT).
  torch::Tensor apply_normal(const torch::Tensor& x) const override {
    return inner_->adjoint(outer_->normal(inner_->forward(x)));
  }

 private:
  OperatorPtr outer_, inner_;
  std::optional<torch::Device> device_;
};

class SumOperator final : public LinearOperator {
 public:
  SumOperator(OperatorPtr a, OperatorPtr b, Space domain, Space range)
      : LinearOperator("Add(" + a->name() + ", " + b->name() + ")", std::move(domain), std::move(range)),
        a_(std::move(a)),
        b_(std::move(b)),
        device_(common_device({a_, b_}, name())) {}
  std::optional<torch::Device> device() const override { return device_; }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override { return a_->forward(x) + b_->forward(x); }
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override { return a_->adjoint(y) + b_->adjoint(y); }

 private:
  OperatorPtr a_, b_;
  std::optional<torch::Device> device_;
};

class ScaledOperator final : public LinearOperator {
 public:
  ScaledOperator(OperatorPtr a, c10::complex<double> c, Space domain, Space range)
      : LinearOperator(scaled_name(*a, c), std::move(domain), std::move(range)), a_(std::move(a)), c_(c) {}
  std::optional<torch::Device> device() const override { return a_->device(); }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override { return times(a_->forward(x), c_); }
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override { return times(a_->adjoint(y), std::conj(c_)); }
  torch::Tensor apply_normal(const torch::Tensor& x) const override { return a_->normal(x) * std::norm(c_); }

 private:
  static torch::Tensor times(const torch::Tensor& t, c10::complex<double> c) {
    if (c.imag() == 0.0) return t * c.real();
    return t * c10::Scalar(c);
  }
  static std::string scaled_name(const LinearOperator& a, c10::complex<double> c) {
    std::ostringstream out;
    out << "Scale(" << c.real();
    if (c.imag() != 0.0) out << (c.imag() > 0 ? "+" : "") << c.imag() << "i";
    out << ", " << a.name() << ")";
    return out.str();
  }
  OperatorPtr a_;
  c10::complex<double> c_;
};

class AdjointOperator final : public LinearOperator {
 public:
  explicit AdjointOperator(OperatorPtr a)
      : LinearOperator("Adjoint(" + a->name() + ")", a->range(), a->domain()), a_(std::move(a)) {}
  std::optional<torch::Device> device() const override { return a_->device(); }
  const OperatorPtr& original() const { return a_; }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override { return a_->adjoint(x); }
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override { return a_->forward(y); }

 private:
  OperatorPtr a_;
};

class StackedOperator final : public LinearOperator {
 public:
  StackedOperator(std::vector<OperatorPtr> blocks, std::string name, Space domain, Space range)
      : LinearOperator(std::move(name), std::move(domain), std::move(range)),
        blocks_(std::move(blocks)),
        device_(common_device(blocks_, this->name())) {}
  std::optional<torch::Device> device() const override { return device_; }

  std::vector<torch::Tensor> split(const torch::Tensor& y) const {
    const auto batch = y.sizes().slice(0, y.dim() - 1).vec();
    std::vector<torch::Tensor> parts;
    int64_t offset = 0;
    for (const auto& block : blocks_) {
      const auto n = numel_of(block->range_shape());
      auto shape = batch;
      shape.insert(shape.end(), block->range_shape().begin(), block->range_shape().end());
      parts.push_back(y.narrow(-1, offset, n).reshape(shape));
      offset += n;
    }
    return parts;
  }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override {
    const auto batch = x.sizes().slice(0, x.dim() - static_cast<int64_t>(domain_shape().size())).vec();
    std::vector<torch::Tensor> parts;
    for (const auto& block : blocks_) {
      auto shape = batch;
      shape.push_back(-1);
      parts.push_back(block->forward(x).reshape(shape));
    }
    return torch::cat(promote(parts), -1);
  }
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override {
    auto parts = split(y);
    torch::Tensor sum;
    for (size_t k = 0; k < blocks_.size(); ++k) {
      auto term = blocks_[k]->adjoint(parts[k]);
      sum = sum.defined() ? sum + term : term;
    }
    return sum;
  }
  torch::Tensor apply_normal(const torch::Tensor& x) const override {
    torch::Tensor sum;
    for (const auto& block : blocks_) {
      auto term = block->normal(x);
      sum = sum.defined() ? sum + term : term;
    }
    return sum;
  }

 private:
  // A real block beside a complex one (e.g. [Identity; FFT] on complex input) is already complex
  // valued here, but keep cat's dtypes equal explicitly for any mix.
  static std::vector<torch::Tensor> promote(std::vector<torch::Tensor> parts) {
    auto dtype = parts.front().scalar_type();
    for (const auto& p : parts) dtype = c10::promoteTypes(dtype, p.scalar_type());
    for (auto& p : parts) p = p.to(dtype);
    return parts;
  }
  std::vector<OperatorPtr> blocks_;
  std::optional<torch::Device> device_;
};

}  // namespace

OperatorPtr identity(Shape shape, Field field) { return std::make_shared<IdentityOperator>(std::move(shape), field); }

OperatorPtr compose(OperatorPtr outer, OperatorPtr inner) {
  require_operator(outer, "compose");
  require_operator(inner, "compose");
  const auto context = "compose(" + outer->name() + ", " + inner->name() + ")";
  if (outer->domain_shape() != inner->range_shape())
    throw OperatorError(context + ": the range " + shape_to_string(inner->range_shape()) + " of " + inner->name() +
                        " does not match the domain " + shape_to_string(outer->domain_shape()) + " of " +
                        outer->name());
  join_fields(inner->range().field, outer->domain().field, context);
  Space domain = inner->domain();
  Space range = outer->range();
  // A complex intermediate space forces the whole chain to be complex wherever it was open.
  if (inner->range().field == Field::Complex || outer->domain().field == Field::Complex) {
    if (domain.field == Field::Any) domain.field = Field::Complex;
    if (range.field == Field::Any) range.field = Field::Complex;
  }
  return std::make_shared<ComposedOperator>(std::move(outer), std::move(inner), std::move(domain), std::move(range));
}

OperatorPtr chain(const std::vector<OperatorPtr>& operators) {
  if (operators.empty()) throw OperatorError("chain: needs at least one operator");
  OperatorPtr result = operators.back();
  for (auto it = operators.rbegin() + 1; it != operators.rend(); ++it) result = compose(*it, result);
  return result;
}

OperatorPtr add(OperatorPtr a, OperatorPtr b) {
  require_operator(a, "add");
  require_operator(b, "add");
  const auto context = "add(" + describe(*a) + ", " + describe(*b) + ")";
  if (a->domain_shape() != b->domain_shape() || a->range_shape() != b->range_shape())
    throw OperatorError(context + ": domains and ranges must be equal");
  Space domain{a->domain_shape(), join_fields(a->domain().field, b->domain().field, context)};
  Space range{a->range_shape(), join_fields(a->range().field, b->range().field, context)};
  return std::make_shared<SumOperator>(std::move(a), std::move(b), std::move(domain), std::move(range));
}

OperatorPtr scale(OperatorPtr a, c10::complex<double> c) {
  require_operator(a, "scale");
  Space domain = a->domain(), range = a->range();
  if (c.imag() != 0.0) {
    const auto context = "scale(" + a->name() + ") by a complex number";
    domain.field = join_fields(domain.field, Field::Complex, context);
    range.field = join_fields(range.field, Field::Complex, context);
  }
  return std::make_shared<ScaledOperator>(std::move(a), c, std::move(domain), std::move(range));
}

OperatorPtr adjoint_of(OperatorPtr a) {
  require_operator(a, "adjoint_of");
  if (auto adjoint = std::dynamic_pointer_cast<const AdjointOperator>(a)) return adjoint->original();
  return std::make_shared<AdjointOperator>(std::move(a));
}

OperatorPtr stack_rows(const std::vector<OperatorPtr>& blocks) {
  if (blocks.empty()) throw OperatorError("stack_rows: needs at least one block");
  std::string name = "Stack(";
  for (size_t k = 0; k < blocks.size(); ++k) {
    require_operator(blocks[k], "stack_rows");
    name += (k ? ", " : "") + blocks[k]->name();
  }
  name += ")";
  Space domain = blocks.front()->domain();
  Field range_field = blocks.front()->range().field;
  int64_t total = 0;
  for (const auto& block : blocks) {
    if (block->domain_shape() != domain.shape)
      throw OperatorError(name + ": the domain " + shape_to_string(block->domain_shape()) + " of " + block->name() +
                          " differs from the domain " + shape_to_string(domain.shape) + " of " +
                          blocks.front()->name());
    domain.field = join_fields(domain.field, block->domain().field, name);
    if (block->range().field == Field::Complex) range_field = Field::Complex;
    total += numel_of(block->range_shape());
  }
  return std::make_shared<StackedOperator>(blocks, name, domain, Space{{total}, range_field});
}

std::vector<torch::Tensor> split_stacked_range(const LinearOperator& stacked, const torch::Tensor& y) {
  auto stack = dynamic_cast<const StackedOperator*>(&stacked);
  if (!stack) throw OperatorError("split_stacked_range: " + stacked.name() + " was not made by stack_rows");
  if (y.dim() < 1 || y.size(-1) != stacked.range_shape()[0])
    throw OperatorError("split_stacked_range: tensor of shape " + shape_to_string(y.sizes()) +
                        " does not match the range " + shape_to_string(stacked.range_shape()) + " of " + stacked.name());
  return stack->split(y);
}

}  // namespace diffrecon
