// Statistical weighting: the per-ray noise std of simulated photon data matches
// line_integral_noise_std, the whitened problem's residual at the truth is white with sigma 1/sqrt(I0),
// its operator keeps an exact adjoint, and it has the same least-squares solution as the weighted normal
// equations A^T W A x = A^T W y.
#include "ct/joseph_projector.h"
#include "ct/parallel_beam_geometry.h"
#include "ct/photon_noise.h"
#include "ct/photon_statistics.h"
#include "core/operator_checks.h"
#include "core/seeded_random.h"

#include <gtest/gtest.h>

#include <cmath>

namespace diffrecon::ct {
namespace {

TEST(PhotonStatistics, PerRayStdFollowsTheAttenuation) {
  const double photons = 1e4;
  // Two groups of rays, p = 0.5 and p = 4: the second is exp(1.75) ~ 5.8 times noisier.
  auto clean = torch::cat({torch::full({100000}, 0.5, torch::kFloat64), torch::full({100000}, 4.0, torch::kFloat64)});
  const auto noisy = add_photon_noise(clean, photons, 3);
  const auto predicted = line_integral_noise_std(noisy, photons);
  for (int group = 0; group < 2; ++group) {
    const auto part = noisy.slice(0, group * 100000, (group + 1) * 100000);
    const double measured = part.std().item<double>();
    const double model = predicted.slice(0, group * 100000, (group + 1) * 100000).mean().item<double>();
    EXPECT_NEAR(measured / model, 1.0, 0.03) << "p = " << clean[group * 100000].item<double>();
  }
  EXPECT_THROW(line_integral_noise_std(noisy, -1.0), std::invalid_argument);
}

TEST(PhotonStatistics, WhitenedProblemHasWhiteNoiseAndAnExactAdjoint) {
  const auto grid = ImageGrid::square(48, 1.0);
  const auto geometry = ParallelBeamGeometry::uniform(20, 71, 1.0);
  const auto projector = make_projector(geometry, grid);
  // A disc of attenuation 0.05 / mm: line integrals from 0 (air) to ~2.
  auto yy = torch::arange(48, torch::kFloat64).sub(23.5).unsqueeze(1), xx = torch::arange(48, torch::kFloat64).sub(23.5);
  const auto truth = (yy.square() + xx.square() < 400).to(torch::kFloat64) * 0.05;
  const double photons = 2e3;
  const auto sinogram = add_photon_noise(projector->forward(truth), photons, 11);
  const auto problem = photon_weighted_problem(projector, sinogram, photons);
  EXPECT_DOUBLE_EQ(problem.noise().sigma, 1.0 / std::sqrt(photons));
  SeededRandom random(5);
  EXPECT_LT(adjoint_mismatch(problem.op(), torch::kFloat64, random), 1e-10);
  // Whitened residual at the truth: unit variance in units of sigma on dense and on empty rays alike.
  const auto whitened = problem.residual(truth) / problem.noise().sigma;
  const auto dense = projector->forward(truth) > 1.0, empty = projector->forward(truth) < 1e-9;
  ASSERT_GT(dense.sum().item<int64_t>(), 100);
  ASSERT_GT(empty.sum().item<int64_t>(), 100);
  EXPECT_NEAR(whitened.masked_select(dense).std().item<double>(), 1.0, 0.15);
  EXPECT_NEAR(whitened.masked_select(empty).std().item<double>(), 1.0, 0.15);
  // Unweighted, the dense rays' residual is several sigma: one sigma for every ray would misjudge them.
  const auto raw = (projector->forward(truth) - sinogram) * std::sqrt(photons);
  EXPECT_GT(raw.masked_select(dense).std().item<double>(), 2.0);
  // Whitened normal operator = A^T W A with W = exp(-p).
  const auto x = random.normal_like(truth);
  const auto weighted = projector->adjoint(torch::exp(-sinogram.clamp_min(0.0)) * projector->forward(x));
  EXPECT_LT(((problem.op().normal(x) - weighted).norm() / weighted.norm()).item<double>(), 1e-12);
  EXPECT_THROW(photon_weighted_problem(projector, sinogram, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon::ct
