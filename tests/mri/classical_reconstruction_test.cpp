// The classical reconstructions on simulated 6-coil data with the true (normalised) maps.
#include "mri/classical_reconstruction.h"
#include "mri/sampling_mask.h"
#include "mri/simulated_coils.h"
#include "core/seeded_random.h"
#include "tests/mri/mri_test_data.h"
#include "tests/test_device.h"
#include "validation/image_metrics.h"

#include <gtest/gtest.h>

namespace diffrecon::mri {
namespace {

struct Scan {
  torch::Tensor object, maps, kspace;
  std::shared_ptr<SenseOperator> sense;
};

Scan accelerated_scan(double acceleration, double noise, uint64_t seed = 1, bool equispaced = false) {
  Scan scan;
  scan.object = testing::ellipse_object(64, 64);
  auto maps = birdcage_sensitivities(6, 64, 64);
  scan.maps = maps / maps.abs().square().sum(0, true).sqrt();
  const LineMaskOptions lines{64, 64, acceleration, 8, seed};
  auto mask = equispaced ? equispaced_line_mask(lines) : random_line_mask(lines);
  scan.sense = std::make_shared<SenseOperator>(scan.maps, mask);
  SeededRandom random(seed);
  scan.kspace = (scan.sense->forward(scan.object) + noise * random.normal({6, 64, 64}, torch::kComplexFloat)) * mask;
  return scan;
}

double error_of(const Scan& scan, const ReconstructionOptions& options) {
  return nrmse(reconstruct(*scan.sense, scan.kspace, options).image.abs(), scan.object.abs());
}

ReconstructionOptions method(ReconstructionMethod m, double lambda, int iterations) {
  ReconstructionOptions options;
  options.method = m;
  options.lambda = lambda;
  options.iterations = iterations;
  return options;
}

TEST(ClassicalReconstruction, CgSenseInvertsFullySampledDataExactly) {
  auto scan = accelerated_scan(1.0, 0.0);
  EXPECT_LT(error_of(scan, method(ReconstructionMethod::ConjugateGradientSense, 0.0, 10)), 1e-4);
}

TEST(ClassicalReconstruction, CgSenseUnfoldsThreefoldEquispacedDataWithoutNoise) {
  auto scan = accelerated_scan(3.0, 0.0, 1, /*equispaced=*/true);
  EXPECT_GT(error_of(scan, method(ReconstructionMethod::ZeroFilled, 0, 1)), 0.15);
  EXPECT_LT(error_of(scan, method(ReconstructionMethod::ConjugateGradientSense, 0.0, 30)), 0.02);
}

TEST(ClassicalReconstruction, RegularisedMethodsBeatZeroFillingAndPlainSenseWithNoise) {
  // Equispaced threefold with noise (g-factor amplification); lambdas near each method's best
  // (on the data scale of data_scale()).
  auto scan = accelerated_scan(3.0, 0.02, 1, /*equispaced=*/true);
  const double zero = error_of(scan, method(ReconstructionMethod::ZeroFilled, 0, 1));
  const double cg = error_of(scan, method(ReconstructionMethod::ConjugateGradientSense, 0.01, 30));
  const double l1 = error_of(scan, method(ReconstructionMethod::L1Wavelet, 0.001, 60));
  const double tv = error_of(scan, method(ReconstructionMethod::TotalVariation, 0.01, 100));
  EXPECT_LT(cg, zero / 1.5);
  EXPECT_LT(l1, cg);
  EXPECT_LT(tv, cg);  // the object is piecewise constant
  EXPECT_LT(tv, 0.05);
}

TEST(ClassicalReconstruction, L1WaveletTakesImagesOfOddSize) {
  // The Colin27 grid is 181 x 217; a wavelet that needs sizes divisible by 2^levels used to refuse such
  // images (or fall back to one level). 45 x 59 here: odd along both dims.
  const auto object = testing::ellipse_object(45, 59);
  auto maps = birdcage_sensitivities(6, 45, 59);
  maps = maps / maps.abs().square().sum(0, true).sqrt();
  const auto mask = equispaced_line_mask({45, 59, 3.0, 8, 0});
  SenseOperator sense(maps, mask);
  SeededRandom random(2);
  const auto kspace = (sense.forward(object) + 0.02 * random.normal({6, 45, 59}, torch::kComplexFloat)) * mask;
  const auto cg = reconstruct(sense, kspace, method(ReconstructionMethod::ConjugateGradientSense, 0.01, 30)).image;
  const auto l1 = reconstruct(sense, kspace, method(ReconstructionMethod::L1Wavelet, 0.002, 60)).image;
  ASSERT_EQ(l1.sizes(), object.sizes());
  EXPECT_LT(nrmse(l1.abs(), object.abs()), nrmse(cg.abs(), object.abs()));
}

TEST(ClassicalReconstruction, TotalVariationNeedsAPositiveLambda) {
  auto scan = accelerated_scan(3.0, 0.0);
  EXPECT_THROW(reconstruct(*scan.sense, scan.kspace, method(ReconstructionMethod::TotalVariation, 0.0, 5)),
               std::invalid_argument);
}

TEST(ClassicalReconstruction, DataScalingMakesLambdaIndependentOfTheDataMagnitude) {
  auto scan = accelerated_scan(3.0, 0.01);
  auto options = method(ReconstructionMethod::L1Wavelet, 0.005, 20);
  auto once = reconstruct(*scan.sense, scan.kspace, options).image;
  auto scaled = reconstruct(*scan.sense, scan.kspace * 1000, options).image;
  EXPECT_LT(diffrecon::testing::relative_error(scaled, once * 1000), 1e-4);
}

TEST(ClassicalReconstruction, RootSumOfSquaresOfFullySampledDataIsTheMagnitude) {
  auto scan = accelerated_scan(1.0, 0.0);
  // The maps are normalised, so RSS = |x| exactly.
  EXPECT_LT(diffrecon::testing::relative_error(root_sum_of_squares(scan.kspace), scan.object.abs()), 1e-5);
}

TEST(ClassicalReconstruction, MethodNamesParseAndUnknownOnesAreExplained) {
  for (auto name : {"zero", "cg", "l1", "tv"})
    EXPECT_STREQ(reconstruction_method_name(parse_reconstruction_method(name)), name);
  try {
    parse_reconstruction_method("sense");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'sense' (expected zero, cg, l1 or tv)"), std::string::npos);
  }
}

}  // namespace
}  // namespace diffrecon::mri
