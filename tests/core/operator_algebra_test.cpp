// Behaviour of the operator building blocks beyond adjointness: what they compute, how they combine,
// and the errors they give for bad input.
#include "core/diagonal_operator.h"
#include "core/fft_operator.h"
#include "core/finite_difference_operator.h"
#include "core/matrix_operator.h"
#include "core/operator_algebra.h"
#include "core/seeded_random.h"
#include "core/tensor_math.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

using testing::on_device;
using testing::relative_error;

// Runs `f`, expects OperatorError, and returns its message.
template <typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const OperatorError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an OperatorError";
  return {};
}

TEST(FFTOperator, PutsTheDCComponentAtTheCentreAndIsUnitary) {
  FFTOperator fft({8, 6}, {-2, -1});
  auto x = torch::ones({8, 6}, on_device(torch::kComplexDouble));
  auto k = fft.forward(x).to(torch::kCPU);
  EXPECT_NEAR(k[4][3].abs().item<double>(), std::sqrt(48.0), 1e-12);  // sum / sqrt(N) at [H/2, W/2]
  EXPECT_NEAR(k.abs().sum().item<double>(), std::sqrt(48.0), 1e-10);   // nothing elsewhere
  SeededRandom random(1);
  auto z = random.normal({8, 6}, on_device(torch::kComplexDouble));
  EXPECT_NEAR(l2_norm(fft.forward(z)).item<double>(), l2_norm(z).item<double>(), 1e-12);
  EXPECT_LT(relative_error(fft.adjoint(fft.forward(z)), z), 1e-12);
}

TEST(FFTOperator, MatchesTorchFFTWithShifts) {
  FFTOperator fft({7, 5}, {-2, -1});
  SeededRandom random(2);
  auto x = random.normal({2, 7, 5}, on_device(torch::kComplexDouble));
  auto expected = torch::fft::fftshift(
      torch::fft::fftn(torch::fft::ifftshift(x, {-2, -1}), c10::nullopt, {-2, -1}, "ortho"), {-2, -1});
  EXPECT_LT(relative_error(fft.forward(x), expected), 1e-12);
}

TEST(FiniteDifferenceOperator, ComputesForwardDifferencesWithNeumannBoundary) {
  FiniteDifferenceOperator gradient({4, 5});
  auto ramp = torch::arange(5, on_device(torch::kFloat64)).unsqueeze(0).expand({4, 5}) * 2.0;
  auto g = gradient.forward(ramp).to(torch::kCPU);
  ASSERT_EQ(g.sizes(), (c10::IntArrayRef{2, 4, 5}));
  EXPECT_EQ(g[0].abs().sum().item<double>(), 0.0);  // constant along rows
  EXPECT_TRUE(g[1].narrow(1, 0, 4).eq(2.0).all().item<bool>());
  EXPECT_TRUE(g[1].select(1, 4).eq(0.0).all().item<bool>());  // Neumann: zero at the last column
  EXPECT_EQ(gradient.forward(torch::ones({4, 5}, on_device(torch::kFloat64))).abs().sum().item<double>(), 0.0);
}

TEST(DiagonalOperator, BroadcastsWeightsAndMatchesPrecisionOfInput) {
  auto weights = torch::tensor({1.0, 2.0, 3.0}, on_device(torch::kFloat32)).reshape({1, 3});
  DiagonalOperator diagonal(weights, {2, 3});
  auto x = torch::ones({2, 3}, on_device(torch::kFloat64));
  auto y = diagonal.forward(x);
  EXPECT_EQ(y.scalar_type(), torch::kFloat64);
  EXPECT_EQ(y.sum().item<double>(), 12.0);
}

TEST(MaskOperator, RejectsWeightsThatAreNotZeroOrOne) {
  auto message = error_message([] { make_mask_operator(torch::tensor({0.0, 0.5, 1.0}), {3}); });
  EXPECT_NE(message.find("only 0 and 1"), std::string::npos) << message;
}

TEST(DiagonalOperator, RejectsWeightsThatDoNotBroadcast) {
  auto message = error_message([] { DiagonalOperator(torch::ones({4}), {3, 5}); });
  EXPECT_NE(message.find("[4]"), std::string::npos) << message;
  EXPECT_NE(message.find("[3, 5]"), std::string::npos) << message;
}

TEST(OperatorAlgebra, ChainAppliesRightToLeft) {
  auto d1 = std::make_shared<DiagonalOperator>(torch::full({3}, 2.0, on_device(torch::kFloat64)), Shape{3}, "Two");
  auto m = std::make_shared<MatrixOperator>(torch::tensor({{1.0, 1.0, 0.0}, {0.0, 0.0, 1.0}}, on_device(torch::kFloat64)));
  auto op = chain({m, d1});  // m(d1(x))
  auto x = torch::tensor({1.0, 2.0, 3.0}, on_device(torch::kFloat64));
  auto y = op->forward(x).to(torch::kCPU);
  EXPECT_EQ(y[0].item<double>(), 6.0);
  EXPECT_EQ(y[1].item<double>(), 6.0);
  EXPECT_EQ(op->name(), "Compose(Matrix, Two)");
}

TEST(OperatorAlgebra, AdjointOfAdjointIsTheOriginalOperator) {
  OperatorPtr fft = std::make_shared<FFTOperator>(Shape{4, 4}, std::vector<int64_t>{-1});
  EXPECT_EQ(adjoint_of(adjoint_of(fft)).get(), fft.get());
  EXPECT_EQ(adjoint_of(fft)->domain_shape(), fft->range_shape());
}

TEST(OperatorAlgebra, ScaleAndAddCompute) {
  auto x = torch::tensor({1.0, -2.0}, on_device(torch::kComplexDouble));
  auto op = add(scale(identity({2}), {0.0, 2.0}), identity({2}));  // (1 + 2i) I
  auto y = op->forward(x).to(torch::kCPU);
  EXPECT_NEAR(torch::imag(y)[1].item<double>(), -4.0, 1e-15);
  EXPECT_NEAR(torch::real(y)[1].item<double>(), -2.0, 1e-15);
  EXPECT_EQ(op->domain().field, Field::Complex);
}

TEST(OperatorAlgebra, StackedRangeSplitsBackIntoBlocks) {
  auto fft = std::make_shared<FFTOperator>(Shape{4, 5}, std::vector<int64_t>{-2, -1});
  auto gradient = std::make_shared<FiniteDifferenceOperator>(Shape{4, 5});
  auto stacked = stack_rows({fft, gradient});
  EXPECT_EQ(stacked->range_shape(), (Shape{20 + 40}));
  SeededRandom random(3);
  auto x = random.normal({3, 4, 5}, on_device(torch::kComplexDouble));
  auto parts = split_stacked_range(*stacked, stacked->forward(x));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_LT(relative_error(parts[0], fft->forward(x)), 1e-15);
  EXPECT_LT(relative_error(parts[1], gradient->forward(x)), 1e-15);
}

TEST(OperatorErrors, WrongInputShapeNamesOperatorAndBothShapes) {
  FFTOperator fft({8, 8}, {-2, -1});
  auto message = error_message([&] { fft.forward(torch::zeros({3, 4}, torch::kComplexFloat)); });
  EXPECT_NE(message.find("FFT(dims -2,-1).forward"), std::string::npos) << message;
  EXPECT_NE(message.find("[3, 4]"), std::string::npos) << message;
  EXPECT_NE(message.find("[8, 8]"), std::string::npos) << message;
}

TEST(OperatorErrors, RealInputToComplexOperatorIsRefused) {
  FFTOperator fft({4, 4}, {-1});
  auto message = error_message([&] { fft.adjoint(torch::zeros({4, 4}, torch::kFloat32)); });
  EXPECT_NE(message.find("is real but the range [4, 4] is complex"), std::string::npos) << message;
}

TEST(OperatorErrors, InputOnAnotherDeviceIsRefused) {
  // Meta tensors stand in for a second device on machines without a GPU.
  DiagonalOperator on_meta(torch::ones({4}, torch::TensorOptions().device(torch::kMeta)), {4}, "MetaDiagonal");
  auto message = error_message([&] { on_meta.forward(torch::ones({4})); });
  EXPECT_NE(message.find("is on cpu"), std::string::npos) << message;
  EXPECT_NE(message.find("meta"), std::string::npos) << message;
}

TEST(OperatorErrors, IntegerInputIsRefused) {
  auto message = error_message([] { identity({3})->forward(torch::ones({3}, torch::kInt64)); });
  EXPECT_NE(message.find("not a floating-point or complex type"), std::string::npos) << message;
}

TEST(OperatorErrors, ComposingMismatchedShapesNamesBothOperators) {
  auto fft = std::make_shared<FFTOperator>(Shape{4, 4}, std::vector<int64_t>{-1});
  auto gradient = std::make_shared<FiniteDifferenceOperator>(Shape{4, 4});
  auto message = error_message([&] { compose(fft, gradient); });
  EXPECT_NE(message.find("[2, 4, 4] of FiniteDifference"), std::string::npos) << message;
  EXPECT_NE(message.find("domain [4, 4] of FFT"), std::string::npos) << message;
}

TEST(OperatorErrors, StackingDifferentDomainsNamesTheBlock) {
  auto message = error_message([] { stack_rows({identity({3}), identity({4})}); });
  EXPECT_NE(message.find("[4]"), std::string::npos) << message;
  EXPECT_NE(message.find("[3]"), std::string::npos) << message;
}

}  // namespace
}  // namespace diffrecon
