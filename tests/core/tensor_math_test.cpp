#include "core/seeded_random.h"
#include "core/tensor_math.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

using testing::on_device;

TEST(TensorMath, ComplexInnerProductIsConjugateLinearInTheFirstArgument) {
  auto a = torch::tensor({c10::complex<double>(1, 2), c10::complex<double>(0, -1)}, on_device(torch::kComplexDouble));
  auto b = torch::tensor({c10::complex<double>(3, 0), c10::complex<double>(2, 5)}, on_device(torch::kComplexDouble));
  // conj(1+2i)*3 + conj(-i)*(2+5i) = (3-6i) + (i)(2+5i) = (3-6i) + (2i-5) = -2-4i
  auto value = inner_product(a, b).to(torch::kCPU).item<c10::complex<double>>();
  EXPECT_DOUBLE_EQ(value.real(), -2.0);
  EXPECT_DOUBLE_EQ(value.imag(), -4.0);
}

TEST(TensorMath, ComplexInnerProductIsNonZeroInSinglePrecision) {
  // torch::vdot returns 0 here on Debian's LibTorch 1.13 (docs/ARCHITECTURE.md); ours must not.
  SeededRandom random(5);
  auto a = random.normal({1000}, on_device(torch::kComplexFloat));
  auto value = inner_product(a, a).to(torch::kCPU).item<c10::complex<float>>();
  EXPECT_NEAR(value.real(), squared_norm(a).item<double>(), 1e-2);
  EXPECT_NEAR(value.imag(), 0.0, 1e-3);
  EXPECT_GT(value.real(), 500.0);
}

TEST(TensorMath, RealInnerProductAndNorms) {
  auto a = torch::tensor({c10::complex<double>(3, 4)}, on_device(torch::kComplexDouble));
  auto b = torch::tensor({c10::complex<double>(1, 1)}, on_device(torch::kComplexDouble));
  EXPECT_DOUBLE_EQ(real_inner_product(a, b).item<double>(), 7.0);  // 3*1 + 4*1
  EXPECT_DOUBLE_EQ(squared_norm(a).item<double>(), 25.0);
  EXPECT_DOUBLE_EQ(l2_norm(a).item<double>(), 5.0);
}

TEST(TensorMath, PerSampleReductionsKeepBatchDims) {
  auto x = torch::arange(12, on_device(torch::kFloat64)).reshape({2, 3, 2});
  auto s = squared_norm_per_sample(x, 2).to(torch::kCPU);
  ASSERT_EQ(s.sizes(), (c10::IntArrayRef{2, 1, 1}));
  EXPECT_DOUBLE_EQ(s[0].item<double>(), 0 + 1 + 4 + 9 + 16 + 25);
  EXPECT_DOUBLE_EQ(s[1].item<double>(), 36 + 49 + 64 + 81 + 100 + 121);
}

TEST(TensorMath, DtypeConversionsKeepPrecision) {
  EXPECT_EQ(complex_dtype_of(torch::kFloat32), torch::kComplexFloat);
  EXPECT_EQ(complex_dtype_of(torch::kFloat64), torch::kComplexDouble);
  EXPECT_EQ(real_dtype_of(torch::kComplexFloat), torch::kFloat32);
  EXPECT_THROW(real_dtype_of(torch::kInt32), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
