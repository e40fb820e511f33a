// The soft phase model's pieces (samplers/soft_phase.h) and its effect in the DiffPIR data step.
#include "samplers/diffpir_sampler.h"
#include "samplers/soft_phase.h"

#include "core/matrix_operator.h"
#include "core/seeded_random.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace diffrecon {
namespace {

using testing::on_device;
using testing::relative_error;

TEST(SoftPhase, AnImageWithThePenalisedPhaseHasNoOffPhasePart) {
  SeededRandom random(1);
  const auto phase = random.uniform({2, 8, 8}, on_device(torch::kFloat64)) * 6 - 3;
  const auto magnitude = random.uniform({2, 8, 8}, on_device(torch::kFloat64));
  const auto z = torch::stack({magnitude * torch::cos(phase), magnitude * torch::sin(phase)}, 1);
  EXPECT_LT(off_phase_normal(z, phase).abs().max().item<double>(), 1e-12);
  // Rotated by 90 degrees, all of it is off-phase: P^T P gives the image back.
  const auto turned = torch::stack({-magnitude * torch::sin(phase), magnitude * torch::cos(phase)}, 1);
  EXPECT_LT(relative_error(off_phase_normal(turned, phase), turned), 1e-12);
}

TEST(SoftPhase, TheNormalIsAnOrthogonalProjection) {
  SeededRandom random(2);
  const auto phase = random.normal({1, 6, 5}, on_device(torch::kFloat64));
  const auto a = random.normal({1, 2, 6, 5}, on_device(torch::kFloat64));
  const auto b = random.normal({1, 2, 6, 5}, on_device(torch::kFloat64));
  const auto pa = off_phase_normal(a, phase);
  EXPECT_LT(relative_error(off_phase_normal(pa, phase), pa), 1e-12);                        // idempotent
  EXPECT_NEAR((pa * b).sum().item<double>(), (a * off_phase_normal(b, phase)).sum().item<double>(), 1e-10);  // symmetric
}

TEST(SoftPhase, TheSmoothPhaseOfALowOrderPhaseIsThatPhaseInside) {
  const auto axis = torch::linspace(-1, 1, 32, on_device(torch::kFloat64));
  const auto truth = (0.8 * axis.view({-1, 1}) - 0.5 * axis.view({1, -1})).expand({32, 32});
  const auto z = torch::stack({torch::cos(truth), torch::sin(truth)}).unsqueeze(0);
  const auto estimate = smooth_phase_of(z, 2.0)[0];
  // Away from the zero-padded border the low-pass of a linear phase has the same phase.
  EXPECT_LT((estimate - truth).slice(0, 8, 24).slice(1, 8, 24).abs().max().item<double>(), 0.02);
}

TEST(SoftPhase, ThePenaltyPullsTheDataStepTowardsTheGivenPhase) {
  // A problem that observes nothing of the imaginary channel (A = [1 0] per pixel): without the
  // penalty the data step keeps x0_hat's imaginary part; with it the result moves onto phase 0.
  const auto A = torch::cat({torch::eye(4, torch::kFloat64), torch::zeros({4, 4}, torch::kFloat64)}, 1);
  Problem problem(std::make_shared<MatrixOperator>(A), torch::ones({4}, torch::kFloat64), NoiseModel{0.1});
  PosteriorProblem posterior(problem, {2, 2, 2});
  const auto x0_hat = torch::stack({torch::ones({2, 2}), torch::full({2, 2}, 0.5)}).to(torch::kFloat64).unsqueeze(0);
  const auto free = diffpir_data_step(posterior, x0_hat, 1.0, 20);
  EXPECT_NEAR(free.select(1, 1).abs().max().item<double>(), 0.5, 1e-9);
  PhasePenalty phase{torch::zeros({1, 2, 2}, torch::kFloat64), 9.0};  // weight 9 against rho 1
  const auto pulled = diffpir_data_step(posterior, x0_hat, 1.0, 20, phase);
  EXPECT_NEAR(pulled.select(1, 1).abs().max().item<double>(), 0.05, 1e-9);  // rho 0.5 / (rho + weight)
}

}  // namespace
}  // namespace diffrecon
