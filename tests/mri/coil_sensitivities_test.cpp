// ESPIRiT and low-resolution coil maps: against the known maps of simulated data, and ESPIRiT
// against `bart ecalib -m1` on BART's own phantom.
#include "io/cfl.h"
#include "mri/bart_layout.h"
#include "mri/coil_sensitivities.h"
#include "mri/sampling_mask.h"
#include "mri/sense_operator.h"
#include "mri/simulated_coils.h"
#include "tests/mri/mri_test_data.h"

#include <gtest/gtest.h>

namespace diffrecon::mri {
namespace {

using testing::ellipse_object;

// Per pixel |<a, b>| over coils for unit-norm a and b: 1 where the maps agree up to a phase.
torch::Tensor alignment(const torch::Tensor& a, const torch::Tensor& b) {
  auto unit = [](const torch::Tensor& s) { return s / s.abs().square().sum(0, true).sqrt().clamp_min(1e-12); };
  return (unit(a).conj() * unit(b)).sum(0).abs();
}

struct SimulatedScan {
  torch::Tensor object, maps, kspace;
};

SimulatedScan simulated_scan(const torch::Tensor& mask = {}) {
  SimulatedScan scan;
  scan.object = ellipse_object(64, 64);
  scan.maps = birdcage_sensitivities(6, 64, 64);
  scan.kspace = SenseOperator(scan.maps, mask).forward(scan.object);
  return scan;
}

TEST(Espirit, RecoversSimulatedBirdcageMapsInsideTheObject) {
  // Undersampled outside a 24-line ACS block, like an accelerated scan.
  auto mask = random_line_mask({64, 64, 3.0, 24, 5});
  auto scan = simulated_scan(mask);
  auto result = espirit(scan.kspace);
  EXPECT_EQ(result.calibration.width, 24);
  EXPECT_EQ(result.calibration.height, 24);
  EXPECT_GT(result.kernels, 0);
  EXPECT_LT(result.kernels, 6 * 36);
  auto inside = scan.object.abs() > 0;
  EXPECT_GT(alignment(result.sensitivities, scan.maps).index({inside}).min().item<float>(), 0.98);
  EXPECT_GT(result.eigenvalues.index({inside}).min().item<float>(), 0.95);
  // Unit norm over coils where not cropped, zero where cropped.
  auto norm = result.sensitivities.abs().square().sum(0);
  auto kept = result.eigenvalues > 0.8;
  EXPECT_NEAR(norm.index({kept}).mean().item<float>(), 1.0, 1e-4);
  EXPECT_EQ(norm.index({kept.logical_not()}).sum().item<float>(), 0.0f);
}

TEST(Espirit, CalibrationRegionShrinksToTheFullySampledCentre) {
  auto scan = simulated_scan(equispaced_line_mask({64, 64, 4.0, 10, 0}));
  auto region = fully_sampled_centre(scan.kspace, 24);
  EXPECT_EQ(region.width, 10);
  EXPECT_EQ(region.height, 24);
  EXPECT_THROW(espirit(scan.kspace, {24, 10, 0.001, 0.8}), std::invalid_argument);  // kernel > region
}

TEST(Espirit, AgreesWithBartEcalibOnTheBartPhantom) {
  testing::TemporaryFolder folder("diffrecon-espirit");
  testing::run_command("bart phantom -x 64 -k -s 8 " + folder / "k");
  testing::run_command("bart ecalib -m1 " + folder / "k" + " " + folder / "maps");
  auto kspace = coil_array_from_bart(read_cfl(folder / "k").data, "k");
  auto bart_maps = coil_array_from_bart(read_cfl(folder / "maps").data, "maps");
  auto ours = espirit(kspace).sensitivities;
  auto both = (ours.abs().sum(0) > 0).logical_and(bart_maps.abs().sum(0) > 0);
  ASSERT_GT(both.sum().item<int64_t>(), 64 * 64 / 4);
  auto agreement = alignment(ours, bart_maps).index({both});
  EXPECT_GT(agreement.mean().item<float>(), 0.99);
  // Inside the object, where the maps matter.
  testing::run_command("bart phantom -x 64 " + folder / "image");
  auto object = image_from_bart(read_cfl(folder / "image").data, "image").abs() > 0;
  auto inside = alignment(ours, bart_maps).index({both.logical_and(object)});
  // A few pixels at the object's edge (where the maps are near the crop) differ; 99% agree to 1e-3.
  EXPECT_GT(torch::quantile(inside, 0.01).item<float>(), 0.999);
  EXPECT_GT(inside.mean().item<float>(), 0.998);
  // Both crop at eigenvalue 0.8: the supports mostly coincide.
  auto either = (ours.abs().sum(0) > 0).logical_or(bart_maps.abs().sum(0) > 0);
  EXPECT_GT(both.sum().item<double>() / either.sum().item<double>(), 0.9);
}

TEST(LowResolutionSensitivities, ApproximateTheTrueMapsInsideTheObject) {
  auto scan = simulated_scan(random_line_mask({64, 64, 3.0, 24, 2}));
  auto maps = low_resolution_sensitivities(scan.kspace);
  auto inside = scan.object.abs() > 0;
  EXPECT_GT(alignment(maps, scan.maps).index({inside}).mean().item<float>(), 0.97);
}

}  // namespace
}  // namespace diffrecon::mri
