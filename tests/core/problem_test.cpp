#include "core/diagonal_operator.h"
#include "core/fft_operator.h"
#include "core/matrix_operator.h"
#include "core/operator_algebra.h"
#include "core/problem.h"
#include "core/tensor_math.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>

#include <torch/autograd.h>

namespace diffrecon {
namespace {

using testing::on_device;
using testing::relative_error;

OperatorPtr masked_fft(int64_t n) {
  auto mask = torch::zeros({n, 1}, on_device(torch::kFloat32));
  mask.narrow(0, 0, n).index_put_({torch::indexing::Slice(0, n, 2)}, 1.0);
  return chain({make_mask_operator(mask, {n, n}), std::make_shared<FFTOperator>(Shape{n, n}, std::vector<int64_t>{-2, -1})});
}

TEST(NoiseModel, ComplexNoiseHasExpectedSquaredMagnitudeSigmaSquared) {
  auto op = identity({100000}, Field::Complex);
  SeededRandom random(1);
  const NoiseModel noise{0.3};
  auto zero = torch::zeros({100000}, on_device(torch::kComplexDouble));
  auto n = Problem::simulate_measurement(*op, zero, noise, random).to(torch::kCPU);
  auto power = torch::real(n).square() + torch::imag(n).square();
  // |n|^2 / sigma^2 ~ Exp(1): mean 1, standard deviation 1.
  EXPECT_NEAR(power.mean().item<double>() / 0.09, 1.0, 3.0 / std::sqrt(1e5));
  EXPECT_DOUBLE_EQ(noise.component_variance(true), 0.045);
  EXPECT_DOUBLE_EQ(noise.component_variance(false), 0.09);
}

TEST(Problem, LikelihoodGradientMatchesAutogradOfNegativeLogLikelihood) {
  auto op = masked_fft(8);
  SeededRandom random(2);
  auto truth = random.normal({2, 8, 8}, on_device(torch::kComplexDouble));
  const NoiseModel noise{0.1};
  Problem problem(op, Problem::simulate_measurement(*op, truth, noise, random), noise);
  auto x = random.normal({2, 8, 8}, on_device(torch::kComplexDouble)).requires_grad_(true);
  auto nll = problem.negative_log_likelihood(x);
  ASSERT_EQ(nll.sizes(), (c10::IntArrayRef{2}));
  auto gradient = torch::autograd::grad({nll.sum()}, {x})[0];
  // autograd gives d(-log p)/dx; the likelihood gradient is its negative.
  EXPECT_LT(relative_error(-gradient, problem.log_likelihood_gradient(x.detach())), 1e-12);
}

TEST(Problem, NegativeLogLikelihoodOfTruthIsAboutHalfTheMeasurementCount) {
  // ||n||^2 / (2 sigma^2 / 2) over M complex samples has mean M (two real coordinates each, 1/2 each).
  auto op = identity({4000}, Field::Complex);
  SeededRandom random(3);
  auto truth = random.normal({4000}, on_device(torch::kComplexDouble));
  const NoiseModel noise{0.05};
  Problem problem(op, Problem::simulate_measurement(*op, truth, noise, random), noise);
  const double nll = problem.negative_log_likelihood(truth).item<double>();
  EXPECT_NEAR(nll / 4000.0, 1.0, 3.0 / std::sqrt(4000.0));
}

TEST(Problem, NormalisationMapsSolutionsAndNoiseConsistently) {
  auto matrix = torch::tensor({{2.0, 1.0}, {0.0, 1.0}, {1.0, 1.0}}, on_device(torch::kFloat64));
  auto op = std::make_shared<MatrixOperator>(matrix);
  auto truth = torch::tensor({30.0, 50.0}, on_device(torch::kFloat64));
  Problem physical(op, op->forward(truth), NoiseModel{2.0});
  auto normalised = physical.normalized({10.0, 20.0}).normalized({0.5, 1.0});
  // z = ((x - 20)/10 - 1)/0.5 = (x - 30)/5: the combined normalisation has scale 5, offset 30.
  EXPECT_DOUBLE_EQ(normalised.normalization().scale, 5.0);
  EXPECT_DOUBLE_EQ(normalised.normalization().offset, 30.0);
  EXPECT_DOUBLE_EQ(normalised.noise().sigma, 2.0 / 5.0);
  auto z = normalised.normalization().normalize(truth);
  EXPECT_LT(squared_norm(normalised.residual(z)).item<double>(), 1e-20);  // the truth still fits exactly
  EXPECT_LT(relative_error(normalised.to_physical(z), truth), 1e-15);
}

TEST(Problem, PercentileNormalisationPutsThePercentileAtTheTarget) {
  auto image = torch::arange(101, on_device(torch::kFloat64));  // 0..100
  auto normalization = IntensityNormalization::from_percentile(image, 99.0);
  EXPECT_DOUBLE_EQ(normalization.scale, 99.0);
  EXPECT_DOUBLE_EQ(normalization.normalize(image)[99].item<double>(), 1.0);
  EXPECT_THROW(IntensityNormalization::from_percentile(torch::zeros({5}), 99.0), std::invalid_argument);
  EXPECT_THROW(IntensityNormalization::from_percentile(image, 101.0), std::invalid_argument);
}

TEST(Problem, RejectsMeasurementsThatDoNotFitTheOperator) {
  auto op = masked_fft(8);
  EXPECT_THROW(Problem(op, torch::zeros({8, 7}, torch::kComplexFloat), NoiseModel{0.1}), OperatorError);
  auto with_nan = torch::zeros({8, 8}, torch::kComplexFloat);
  with_nan.index_put_({0, 0}, std::numeric_limits<float>::quiet_NaN());
  EXPECT_THROW(Problem(op, with_nan.to(testing::test_device()), NoiseModel{0.1}), std::invalid_argument);
  EXPECT_THROW(Problem(op, torch::zeros({8, 8}, on_device(torch::kComplexFloat)), NoiseModel{-1.0}),
               std::invalid_argument);
  EXPECT_THROW(Problem(op, torch::zeros({8, 8}, on_device(torch::kFloat32)), NoiseModel{0.1}), OperatorError);
  auto on_meta = torch::zeros({8, 8}, torch::TensorOptions().dtype(torch::kComplexFloat).device(torch::kMeta));
  EXPECT_THROW(Problem(op, on_meta, NoiseModel{0.1}), OperatorError);
}

}  // namespace
}  // namespace diffrecon
