// LinearOperator: the one abstraction every physics model, solver and sampler in DiffRecon shares.
//
// An operator maps tensors of its domain shape to tensors of its range shape. Inputs may carry any
// number of leading batch dimensions: x of shape [..., *domain] maps to [..., *range]. The public
// forward/adjoint/normal check the input (shape, real/complex field, device) and throw
// OperatorError naming the operator and both shapes; subclasses implement the protected apply_*.
// All implementations use differentiable torch ops (or autograd_adjoint.h), so autograd through any
// operator gives grad ||A x - y||^2 = 2 A^H (A x - y).
#pragma once

#include <torch/types.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon {

using Shape = std::vector<int64_t>;

std::string shape_to_string(c10::IntArrayRef shape);

// The scalar field a space is defined over. `Any` spaces accept real and complex tensors alike
// (identity, real diagonal, finite differences) and the range then has the input's field.
enum class Field { Any, Real, Complex };

const char* field_name(Field field);

// Dimension indices into `shape` (negative ones count from its end) converted to negative indices,
// so they stay valid when batch dims are prepended. Throws OperatorError, naming `who`, for an
// empty list, an index outside the shape or a repeated dimension. The order is kept.
std::vector<int64_t> resolve_dims(const std::vector<int64_t>& shape, std::vector<int64_t> dims, const std::string& who);

struct Space {
  Shape shape;
  Field field = Field::Any;
};

// Thrown for inputs that do not fit an operator (wrong shape, real/complex mismatch, wrong device)
// and for operators that cannot be combined.
class OperatorError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class LinearOperator;
using OperatorPtr = std::shared_ptr<const LinearOperator>;

class LinearOperator {
 public:
  LinearOperator(std::string name, Space domain, Space range);
  virtual ~LinearOperator() = default;
  LinearOperator(const LinearOperator&) = delete;
  LinearOperator& operator=(const LinearOperator&) = delete;

  // y = A x for x of shape [..., *domain_shape].
  torch::Tensor forward(const torch::Tensor& x) const;
  // x = A^H y for y of shape [..., *range_shape].
  torch::Tensor adjoint(const torch::Tensor& y) const;
  // A^H A x; operators override it where it is cheaper than adjoint(forward(x)).
  torch::Tensor normal(const torch::Tensor& x) const;

  const std::string& name() const { return name_; }
  const Space& domain() const { return domain_; }
  const Space& range() const { return range_; }
  const Shape& domain_shape() const { return domain_.shape; }
  const Shape& range_shape() const { return range_.shape; }
  // The device the operator's own tensors (weights, masks) live on; nullopt if it holds none.
  virtual std::optional<torch::Device> device() const { return std::nullopt; }

  // Throws OperatorError unless `t` is an element of the range: [..., *range_shape], a floating or
  // complex dtype of the range's field, on the operator's device (the checks adjoint() runs).
  // `context` starts the message, e.g. "Problem measurement".
  void check_range_element(const torch::Tensor& t, const std::string& context) const;

  // The dtype a domain element has when the data it works with has dtype `data_dtype`: the same
  // precision, complex for complex domains, real for real ones, unchanged for `Any`.
  torch::ScalarType domain_dtype_for(torch::ScalarType data_dtype) const;

 protected:
  virtual torch::Tensor apply_forward(const torch::Tensor& x) const = 0;
  virtual torch::Tensor apply_adjoint(const torch::Tensor& y) const = 0;
  virtual torch::Tensor apply_normal(const torch::Tensor& x) const;

 private:
  void check_input(const torch::Tensor& t, const Space& space, const std::string& where, const char* space_name) const;
  void check_output(const torch::Tensor& in, const torch::Tensor& out, const Space& in_space, const Space& out_space,
                    const char* method) const;

  std::string name_;
  Space domain_;
  Space range_;
};

}  // namespace diffrecon
