// The operator conformance suite, shared by the layers that define operators (core, mri, ct): for
// every operator, in every dtype its domain accepts, batched and unbatched, the dot-product adjoint
// test, the autograd gradient test (grad ||Ax - y||^2 = 2 A^H (Ax - y)) and normal = A^H A; and,
// for one batch layout, batched forward = per-sample forward.
//
// Include it in exactly one source file of a test executable and instantiate it there:
//   DIFFRECON_OPERATOR_CONFORMANCE(Sense, sense_operator_cases())
#pragma once

#include "core/linear_operator.h"
#include "core/operator_checks.h"
#include "core/seeded_random.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace diffrecon::testing {

struct OperatorCase {
  std::string name;
  std::function<OperatorPtr()> make;
};

inline torch::Tensor random_tensor(Shape shape, torch::ScalarType dtype, uint64_t seed) {
  SeededRandom random(seed);
  return random.normal(shape, on_device(dtype));
}

struct ConformanceCase {
  OperatorCase op;
  torch::ScalarType dtype;
  Shape batch;
};

// Every dtype an operator's domain accepts: complex domains take complex64/128, real domains
// float32/64, and open (Any) domains all four; each in the given batch layouts.
inline std::vector<ConformanceCase> conformance_cases(const std::vector<OperatorCase>& operators,
                                                      const std::vector<Shape>& batches) {
  std::vector<ConformanceCase> cases;
  for (const auto& op_case : operators) {
    const auto field = op_case.make()->domain().field;
    std::vector<torch::ScalarType> dtypes;
    if (field != Field::Complex) dtypes.insert(dtypes.end(), {torch::kFloat32, torch::kFloat64});
    if (field != Field::Real) dtypes.insert(dtypes.end(), {torch::kComplexFloat, torch::kComplexDouble});
    for (auto dtype : dtypes)
      for (const auto& batch : batches) cases.push_back({op_case, dtype, batch});
  }
  return cases;
}

inline void PrintTo(const ConformanceCase& c, std::ostream* out) {
  *out << c.op.name << " " << c10::toString(c.dtype) << " batch " << shape_to_string(c.batch);
}

inline std::string conformance_case_name(const ::testing::TestParamInfo<ConformanceCase>& info) {
  std::string batch = info.param.batch.empty() ? "Unbatched" : "Batch";
  for (auto b : info.param.batch) batch += std::to_string(b);
  return info.param.op.name + "_" + c10::toString(info.param.dtype) + "_" + batch;
}

inline bool double_precision(torch::ScalarType dtype) {
  return dtype == torch::kFloat64 || dtype == torch::kComplexDouble;
}

class OperatorConformance : public ::testing::TestWithParam<ConformanceCase> {
 protected:
  using Check = double (*)(const LinearOperator&, torch::ScalarType, SeededRandom&, const Shape&);

  // Runs `check` on this case's operator, dtype and batch, expecting a relative error below the
  // tolerance for its precision.
  void expect_below(Check check, uint64_t seed, double double_tolerance, double single_tolerance) {
    const auto& param = GetParam();
    auto op = param.op.make();
    SeededRandom random(seed);
    const double tolerance = double_precision(param.dtype) ? double_tolerance : single_tolerance;
    EXPECT_LT(check(*op, param.dtype, random, param.batch), tolerance) << op->name();
  }
};

TEST_P(OperatorConformance, DotProductAdjointTest) { expect_below(adjoint_mismatch, 100, 1e-5, 1e-3); }

TEST_P(OperatorConformance, AutogradGradientEqualsAdjoint) { expect_below(gradient_mismatch, 200, 1e-10, 1e-4); }

TEST_P(OperatorConformance, NormalEqualsAdjointOfForward) { expect_below(normal_mismatch, 300, 1e-10, 1e-5); }

// Instantiated for one batch layout only (one suffices for this property).
class BatchedOperatorConformance : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(BatchedOperatorConformance, BatchedForwardEqualsPerSampleForward) {
  const auto& param = GetParam();
  auto op = param.op.make();
  SeededRandom random(400);
  auto x = random_domain_element(*op, param.dtype, random, param.batch);
  ASSERT_GT(x.size(0), 1);
  auto batched = op->forward(x);
  for (int64_t b = 0; b < x.size(0); ++b)
    EXPECT_LT(relative_error(batched[b], op->forward(x[b])), 1e-6) << op->name() << " sample " << b;
}

}  // namespace diffrecon::testing

#define DIFFRECON_OPERATOR_CONFORMANCE(prefix, operators)                                                 \
  INSTANTIATE_TEST_SUITE_P(                                                                               \
      prefix, OperatorConformance,                                                                        \
      ::testing::ValuesIn(::diffrecon::testing::conformance_cases(                                        \
          operators, {::diffrecon::Shape{}, ::diffrecon::Shape{3}, ::diffrecon::Shape{2, 2}})),           \
      ::diffrecon::testing::conformance_case_name);                                                       \
  INSTANTIATE_TEST_SUITE_P(prefix, BatchedOperatorConformance,                                            \
                           ::testing::ValuesIn(::diffrecon::testing::conformance_cases(                   \
                               operators, {::diffrecon::Shape{3}})),                                      \
                           ::diffrecon::testing::conformance_case_name)
