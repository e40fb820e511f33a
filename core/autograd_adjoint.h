// Autograd through hand-written adjoints.
//
// Operators written with plain torch ops are differentiable as they are. Operators written as raw
// loops over data pointers (CT projectors, gridding) are not; wrapping them here makes autograd use
// the operator's own adjoint as the backward of its forward (and vice versa), which is also exactly
// the gradient a sampler's guidance term needs: grad ||A x - y||^2 = 2 A^H (A x - y).
#pragma once

#include "core/linear_operator.h"

namespace diffrecon {

// The same operator, differentiated through its adjoint. Forward, adjoint and normal evaluate the
// wrapped operator without recording its internals in the autograd graph.
OperatorPtr with_adjoint_gradient(OperatorPtr op);

}  // namespace diffrecon
