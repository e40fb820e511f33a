// Numerical checks every operator must pass (the dot-product adjoint test, the autograd gradient
// test, normal = A^H A). Tests and `diffrecon demo` call them; they are also a quick conformance
// suite for user-written operators.
#pragma once

#include "core/linear_operator.h"
#include "core/seeded_random.h"

namespace diffrecon {

// |<A x, y> - <x, A^H y>| / max(|<A x, y>|, |<x, A^H y>|) for random x of dtype `dtype` (with
// leading `batch` dims) and random y of A x's dtype. The inner products are accumulated in double
// precision so the check measures the operator, not the summation.
double adjoint_mismatch(const LinearOperator& op, torch::ScalarType dtype, SeededRandom& random,
                        const Shape& batch = {});

// ||grad_x ||A x - y||^2 - 2 A^H (A x - y)|| / ||2 A^H (A x - y)||, with the gradient from autograd.
double gradient_mismatch(const LinearOperator& op, torch::ScalarType dtype, SeededRandom& random,
                         const Shape& batch = {});

// ||normal(x) - adjoint(forward(x))|| / ||adjoint(forward(x))||.
double normal_mismatch(const LinearOperator& op, torch::ScalarType dtype, SeededRandom& random,
                       const Shape& batch = {});

// A random element of the operator's domain (or range) with leading `batch` dims.
torch::Tensor random_domain_element(const LinearOperator& op, torch::ScalarType dtype, SeededRandom& random,
                                    const Shape& batch = {});

}  // namespace diffrecon
