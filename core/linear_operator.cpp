#include "core/linear_operator.h"

#include "core/tensor_math.h"

#include <algorithm>
#include <sstream>

namespace diffrecon {

std::string shape_to_string(c10::IntArrayRef shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

const char* field_name(Field field) {
  switch (field) {
    case Field::Real: return "real";
    case Field::Complex: return "complex";
    case Field::Any: break;
  }
  return "real or complex";
}

std::vector<int64_t> resolve_dims(const std::vector<int64_t>& shape, std::vector<int64_t> dims, const std::string& who) {
  const auto ndim = static_cast<int64_t>(shape.size());
  if (dims.empty()) throw OperatorError(who + ": needs at least one dimension");
  for (auto& d : dims) {
    if (d < -ndim || d >= ndim)
      throw OperatorError(who + ": dimension " + std::to_string(d) + " is outside the shape " + shape_to_string(shape));
    if (d >= 0) d -= ndim;
  }
  auto sorted = dims;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw OperatorError(who + ": a dimension is listed twice");
  return dims;
}

LinearOperator::LinearOperator(std::string name, Space domain, Space range)
    : name_(std::move(name)), domain_(std::move(domain)), range_(std::move(range)) {}

torch::Tensor LinearOperator::forward(const torch::Tensor& x) const {
  check_input(x, domain_, name_ + ".forward: ", "domain");
  auto y = apply_forward(x);
  check_output(x, y, domain_, range_, "forward");
  return y;
}

torch::Tensor LinearOperator::adjoint(const torch::Tensor& y) const {
  check_input(y, range_, name_ + ".adjoint: ", "range");
  auto x = apply_adjoint(y);
  check_output(y, x, range_, domain_, "adjoint");
  return x;
}

torch::Tensor LinearOperator::normal(const torch::Tensor& x) const {
  check_input(x, domain_, name_ + ".normal: ", "domain");
  auto z = apply_normal(x);
  check_output(x, z, domain_, domain_, "normal");
  return z;
}

torch::Tensor LinearOperator::apply_normal(const torch::Tensor& x) const { return apply_adjoint(apply_forward(x)); }

torch::ScalarType LinearOperator::domain_dtype_for(torch::ScalarType data_dtype) const {
  switch (domain_.field) {
    case Field::Complex: return complex_dtype_of(data_dtype);
    case Field::Real: return real_dtype_of(data_dtype);
    case Field::Any: break;
  }
  return data_dtype;
}

void LinearOperator::check_range_element(const torch::Tensor& t, const std::string& context) const {
  check_input(t, range_, context + " for " + name_ + ": ", "range");
}

void LinearOperator::check_input(const torch::Tensor& t, const Space& space, const std::string& where,
                                 const char* space_name) const {
  if (!t.defined()) throw OperatorError(where + "input tensor is undefined");
  if (!t.is_floating_point() && !t.is_complex())
    throw OperatorError(where + "input dtype " + c10::toString(t.scalar_type()) +
                        " is not a floating-point or complex type");
  const auto ndim = static_cast<int64_t>(space.shape.size());
  bool shape_ok = t.dim() >= ndim;
  for (int64_t i = 0; shape_ok && i < ndim; ++i) shape_ok = t.size(t.dim() - ndim + i) == space.shape[i];
  if (!shape_ok)
    throw OperatorError(where + "input shape " + shape_to_string(t.sizes()) + " does not match the " + space_name +
                        " shape " + shape_to_string(space.shape) + " (expected [..., " +
                        shape_to_string(space.shape).substr(1));
  const auto input = "input of shape " + shape_to_string(t.sizes()) + " and dtype " + c10::toString(t.scalar_type());
  if (space.field == Field::Complex && !t.is_complex())
    throw OperatorError(where + input + " is real but the " + space_name + " " + shape_to_string(space.shape) +
                        " is complex");
  if (space.field == Field::Real && t.is_complex())
    throw OperatorError(where + input + " is complex but the " + space_name + " " + shape_to_string(space.shape) +
                        " is real");
  if (auto own = device(); own && *own != t.device())
    throw OperatorError(where + "input of shape " + shape_to_string(t.sizes()) + " is on " + t.device().str() +
                        " but the operator's data is on " + own->str());
}

void LinearOperator::check_output(const torch::Tensor& in, const torch::Tensor& out, const Space& in_space,
                                  const Space& out_space, const char* method) const {
  // An implementation bug, not a user error: the batch dims must pass through unchanged.
  auto batch = in.sizes().slice(0, in.dim() - static_cast<int64_t>(in_space.shape.size())).vec();
  batch.insert(batch.end(), out_space.shape.begin(), out_space.shape.end());
  if (out.sizes() != c10::IntArrayRef(batch))
    throw std::logic_error(name_ + "." + method + " returned shape " + shape_to_string(out.sizes()) + ", expected " +
                           shape_to_string(batch));
}

}  // namespace diffrecon
