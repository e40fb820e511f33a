#include "core/fft_operator.h"
#include "core/matrix_operator.h"
#include "core/operator_algebra.h"
#include "core/seeded_random.h"
#include "core/tensor_math.h"
#include "solvers/fista.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>


namespace diffrecon {
namespace {

using testing::on_device;
using testing::relative_error;

FistaOptions long_run(int iterations) {
  FistaOptions options;
  options.max_iterations = iterations;
  options.tolerance = 1e-14;
  return options;
}

TEST(SoftThreshold, ShrinksComplexMagnitudeAndKeepsPhase) {
  SoftThreshold prox(2.0);
  auto v = torch::tensor({c10::complex<double>(3, 4), c10::complex<double>(0.3, 0.4)}, on_device(torch::kComplexDouble));
  auto x = prox.apply(v, 0.5).to(torch::kCPU);  // threshold 1
  EXPECT_NEAR(torch::real(x)[0].item<double>(), 2.4, 1e-12);
  EXPECT_NEAR(torch::imag(x)[0].item<double>(), 3.2, 1e-12);
  EXPECT_EQ(x[1].abs().item<double>(), 0.0);
  EXPECT_NEAR(prox.value(v), 2.0 * (5.0 + 0.5), 1e-12);
}

TEST(Fista, LassoWithOrthonormalOperatorMatchesClosedForm) {
  // With Q^T Q = I: argmin 1/2 ||Q x - y||^2 + lambda ||x||_1 = soft(Q^T y, lambda).
  SeededRandom random(1);
  auto q = std::get<0>(torch::linalg_qr(random.normal({20, 20}, torch::TensorOptions().dtype(torch::kFloat64))))
               .to(testing::test_device());
  MatrixOperator op(q);
  auto y = random.normal({20}, on_device(torch::kFloat64));
  const double lambda = 0.6;
  auto result = fista(op, y, SoftThreshold(lambda), long_run(300));
  auto qty = q.t().mm(y.unsqueeze(1)).squeeze(1);
  auto expected = torch::sign(qty) * (qty.abs() - lambda).clamp_min(0);
  EXPECT_LT(relative_error(result.x, expected), 1e-8);
  EXPECT_GT(expected.eq(0).sum().item<int64_t>(), 0);  // the threshold does zero some entries
}

// A matrix that counts its forward applications.
class CountingOperator : public MatrixOperator {
 public:
  using MatrixOperator::MatrixOperator;
  int64_t forward_calls() const { return calls_; }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override {
    ++calls_;
    return MatrixOperator::apply_forward(x);
  }

 private:
  mutable int64_t calls_ = 0;
};

// The objective a callback reads is evaluated on demand, for the iterate of that report: the last
// report's equals the result's, and a callback that never asks costs no evaluation.
TEST(Fista, CallbackObjectiveIsTheIteratesObjectiveEvaluatedOnDemand) {
  SeededRandom random(4);
  auto a = random.normal({25, 40}, on_device(torch::kFloat64));
  auto y = random.normal({25}, on_device(torch::kFloat64));
  MatrixOperator op(a);
  const double lambda = 0.3;
  auto options = long_run(20);
  std::vector<double> objectives;
  options.callback = [&](const IterationReport& report) {
    objectives.push_back(report.objective());
    return true;
  };
  const auto result = fista(op, y, SoftThreshold(lambda), options);
  ASSERT_EQ(objectives.size(), 20u);
  const double expected = 0.5 * squared_norm(op.forward(result.x) - y).item<double>() + lambda * result.x.abs().sum().item<double>();
  EXPECT_NEAR(objectives.back(), expected, 1e-9 * expected);
  EXPECT_NEAR(result.objective, expected, 1e-9 * expected);
  EXPECT_LT(objectives.back(), objectives.front());

  int reports = 0;
  options.callback = [&](const IterationReport&) { return ++reports < 1000; };
  CountingOperator counted(a);
  fista(counted, y, SoftThreshold(lambda), options);
  options.callback = {};
  CountingOperator plain(a);
  fista(plain, y, SoftThreshold(lambda), options);
  EXPECT_EQ(reports, 20);
  EXPECT_EQ(counted.forward_calls(), plain.forward_calls());
}

TEST(Fista, UnderdeterminedLassoSatisfiesOptimalityConditions) {
  SeededRandom random(2);
  auto a = random.normal({30, 60}, on_device(torch::kFloat64)) / std::sqrt(30.0);
  auto truth = torch::zeros({60}, on_device(torch::kFloat64));
  truth.index_put_({torch::indexing::Slice(0, 60, 12)}, 1.0);
  auto y = a.mm(truth.unsqueeze(1)).squeeze(1) + 0.01 * random.normal({30}, on_device(torch::kFloat64));
  MatrixOperator op(a);
  const double lambda = 0.05;
  auto x = fista(op, y, SoftThreshold(lambda), long_run(5000)).x.to(torch::kCPU);
  // KKT: A^T (y - A x) = lambda sign(x_i) where x_i != 0, and |A^T (y - A x)| <= lambda elsewhere.
  auto correlation = a.t().mm((y - a.mm(x.to(a.device()).unsqueeze(1)).squeeze(1)).unsqueeze(1)).squeeze(1).to(torch::kCPU);
  auto support = x.abs() > 1e-8;
  ASSERT_GT(support.sum().item<int64_t>(), 0);
  EXPECT_LT((correlation.index({support}) - lambda * torch::sign(x.index({support}))).abs().max().item<double>(),
            1e-5 * lambda * 100);
  EXPECT_LE(correlation.index({support.logical_not()}).abs().max().item<double>(), lambda * (1 + 1e-4));
}

TEST(Fista, NonNegativeLeastSquaresSatisfiesOptimalityConditions) {
  SeededRandom random(3);
  auto a = random.normal({40, 15}, on_device(torch::kFloat64));
  auto y = random.normal({40}, on_device(torch::kFloat64));
  MatrixOperator op(a);
  auto x = fista(op, y, *non_negativity(), long_run(20000)).x;
  auto gradient = op.adjoint(op.forward(x) - y).to(torch::kCPU);
  auto cpu = x.to(torch::kCPU);
  EXPECT_GE(cpu.min().item<double>(), 0.0);
  auto active = cpu.eq(0);
  ASSERT_GT(active.sum().item<int64_t>(), 0);  // a random problem has active constraints
  EXPECT_GE(gradient.index({active}).min().item<double>(), -1e-6);
  EXPECT_LT(gradient.index({active.logical_not()}).abs().max().item<double>(), 1e-6);
}

TEST(Fista, L2BallConstrainedDenoisingScalesOntoTheBall) {
  auto op = identity({10});
  SeededRandom random(4);
  auto y = random.normal({10}, on_device(torch::kFloat64)) * 5.0;
  auto result = fista(*op, y, L2BallProjection(1.0), long_run(50));
  EXPECT_LT(relative_error(result.x, y / l2_norm(y)), 1e-12);
  EXPECT_EQ(L2BallProjection(1.0).value(y), std::numeric_limits<double>::infinity());
}

TEST(Fista, SparsityInAUnitaryTransformMatchesClosedForm) {
  // argmin 1/2 ||x - y||^2 + lambda ||F x||_1 = F^H soft(F y, lambda) for a unitary F.
  auto fft = std::make_shared<FFTOperator>(Shape{8, 8}, std::vector<int64_t>{-2, -1});
  auto prox = UnitaryTransformProximal(fft, std::make_shared<SoftThreshold>(0.4));
  SeededRandom random(5);
  auto y = random.normal({8, 8}, on_device(torch::kComplexDouble));
  auto result = fista(*identity({8, 8}), y, prox, long_run(50));
  auto expected = fft->adjoint(SoftThreshold(0.4).apply(fft->forward(y), 1.0));
  EXPECT_LT(relative_error(result.x, expected), 1e-12);
}

TEST(BoxConstraint, RefusesComplexInputAndClamps) {
  BoxConstraint box(-1.0, 2.0);
  EXPECT_THROW(box.apply(torch::zeros({2}, torch::kComplexFloat), 1.0), std::invalid_argument);
  auto x = box.apply(torch::tensor({-3.0, 0.5, 9.0}), 1.0);
  EXPECT_TRUE(torch::equal(x, torch::tensor({-1.0, 0.5, 2.0})));
  EXPECT_THROW(BoxConstraint(1.0, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
