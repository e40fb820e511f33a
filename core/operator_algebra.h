// Building operators from operators: composition, sums, scalar multiples, adjoints, block rows.
// Each result is itself a LinearOperator with an exact adjoint and, where cheaper, a normal operator
// built from its parts' normals (a composition with a unitary outer operator never calls it).
#pragma once

#include "core/linear_operator.h"

#include <c10/util/complex.h>

namespace diffrecon {

// I on `shape`.
OperatorPtr identity(Shape shape, Field field = Field::Any);

// outer ∘ inner: x -> outer(inner(x)). The range of `inner` must equal the domain of `outer`.
OperatorPtr compose(OperatorPtr outer, OperatorPtr inner);
// chain({A, B, C}) = A ∘ B ∘ C (applied right to left, as written in maths).
OperatorPtr chain(const std::vector<OperatorPtr>& operators);

// A + B on equal domains and ranges.
OperatorPtr add(OperatorPtr a, OperatorPtr b);

// c A. A scalar with a non-zero imaginary part makes domain and range complex.
OperatorPtr scale(OperatorPtr a, c10::complex<double> c);

// A^H as an operator (forward = A.adjoint, adjoint = A.forward). adjoint_of(adjoint_of(A)) is A.
OperatorPtr adjoint_of(OperatorPtr a);

// Block rows [A_1; A_2; ...] on a common domain. The range is the concatenation of the flattened
// ranges, shape [sum_k numel(range_k)]; split_stacked_range recovers the blocks. The normal is
// sum_k A_k^H A_k, using each block's own normal.
OperatorPtr stack_rows(const std::vector<OperatorPtr>& blocks);
std::vector<torch::Tensor> split_stacked_range(const LinearOperator& stacked, const torch::Tensor& y);

}  // namespace diffrecon
