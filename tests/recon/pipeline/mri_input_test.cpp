// The pipeline's MRI reader and the mri/ steps after it, on files from
// ismrmrd_generate_cartesian_shepp_logan and on BART .cfl k-space: readout oversampling removed,
// noise pre-whitening of data and given maps (mri/sense_model.h), and reconstructions that match the
// phantom stored in the file.
#include "io/cfl.h"
#include "mri/classical_reconstruction.h"
#include "mri/coil_preprocessing.h"
#include "mri/sense_model.h"
#include "recon/pipeline/mri_input.h"
#include "tests/io/shepp_logan_file.h"
#include "validation/image_metrics.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

using MriInputTest = testing::SheppLoganFile;

TEST_F(MriInputTest, ReadsAsAcquiredAndTheMriStepsRemoveOversamplingAndWhiten) {
  const auto input = read_mri_input(generate("-m 32 -c 4 -a 2 -w 8 -C -n 0.01"));
  const auto& raw = input.acquisition;
  EXPECT_EQ(raw.kspace.sizes(), (c10::IntArrayRef{1, 4, 64, 32}));
  EXPECT_EQ(raw.readout_oversampling, 2);
  EXPECT_GT(raw.noise_dwell_ratio, 0);
  EXPECT_NE(input.summary.find("1 slice(s), 4 coils, 20 lines (8 calibration), 1 noise scans"), std::string::npos)
      << input.summary;
  const auto acquisition = mri::without_readout_oversampling(raw);
  EXPECT_EQ(acquisition.kspace.sizes(), (c10::IntArrayRef{1, 4, 32, 32}));
  EXPECT_EQ(acquisition.mask.sizes(), (c10::IntArrayRef{1, 32, 32}));
  auto unscaled = acquisition;
  unscaled.noise_dwell_ratio = 1.0;
  const auto whitening = mri::whitening_matrix_of(unscaled);
  ASSERT_TRUE(whitening.defined());
  auto whitened_noise = mri::apply_coil_matrix(whitening, raw.noise.to(torch::kComplexDouble));
  EXPECT_LT((mri::noise_covariance(whitened_noise) - torch::eye(4, torch::kComplexDouble)).abs().max().item<double>(), 1e-9);
}

TEST_F(MriInputTest, AllRepetitionsTogetherReconstructToTheStoredPhantom) {
  const auto file = generate("-m 48 -c 6 -a 3 -w 12 -n 0");
  MriReadOptions options;
  options.repetition = -1;  // the three interleaved repetitions sample every line
  const auto acquisition = mri::without_readout_oversampling(read_mri_input(file, options).acquisition);
  EXPECT_EQ(acquisition.mask.sum().item<float>(), 48 * 48);
  EXPECT_FALSE(mri::whitening_matrix_of(acquisition).defined());  // no noise scans
  const auto phantom = phantom_of(file);
  ASSERT_EQ(phantom.sizes(), (c10::IntArrayRef{48, 48}));
  mri::SenseOperator sense(maps_of(file), acquisition.mask[0]);
  mri::ReconstructionOptions cg;
  cg.lambda = 0;
  cg.iterations = 20;
  EXPECT_LT(nrmse(mri::reconstruct(sense, acquisition.kspace[0], cg).image, phantom), 1e-3);
}

// Given maps are whitened with the data (W y = F (W S) x): CG-SENSE through sense_model unfolds
// an accelerated scan; without whitening the same maps no longer fit the data as well.
TEST_F(MriInputTest, SenseModelWhitensGivenMapsWithTheData) {
  const auto file = generate("-m 48 -c 6 -a 2 -w 12 -n 0.002 -C");
  const auto acquisition = mri::without_readout_oversampling(read_mri_input(file).acquisition);
  EXPECT_NEAR(acquisition.mask.mean().item<double>(), 30.0 / 48, 1e-6);  // 24 even lines + 6 odd calibration lines
  const auto phantom = phantom_of(file);
  mri::SenseModelOptions options;
  options.maps = mri::CoilMapMethod::Given;
  options.given_maps = maps_of(file).unsqueeze(0);
  const auto model = mri::sense_model(acquisition, 0, options);
  mri::ReconstructionOptions reconstruction;
  reconstruction.method = mri::ReconstructionMethod::ZeroFilled;
  const double zero_filled = nrmse(mri::reconstruct(*model.op, model.kspace, reconstruction).image.abs(), phantom.abs());
  reconstruction.method = mri::ReconstructionMethod::ConjugateGradientSense;
  reconstruction.lambda = 0;
  reconstruction.iterations = 30;
  const double cg = nrmse(mri::reconstruct(*model.op, model.kspace, reconstruction).image.abs(), phantom.abs());
  EXPECT_LT(cg, 0.05);
  EXPECT_LT(cg, zero_filled / 3);
  // Whitened data with unwhitened maps: a model mismatch the residual shows.
  mri::SenseOperator mismatched(maps_of(file), model.mask);
  const auto image = mri::reconstruct(*model.op, model.kspace, reconstruction).image;
  const double fitted = (model.op->forward(image) - model.kspace).abs().norm().item<double>();
  const double unfitted = (mismatched.forward(image) - model.kspace).abs().norm().item<double>();
  EXPECT_LT(fitted, 0.5 * unfitted);
}

TEST_F(MriInputTest, BartKspaceKeepsItsBatchDimsAndRefusesIsmrmrdOptions) {
  // [X, Y, 1, coils, 1, TE = 2]: two echoes of a 2-coil 6 x 4 acquisition.
  auto bart = torch::randn({6, 4, 1, 2, 1, 2}, torch::kComplexFloat);
  write_cfl(folder_.path() / "k", bart);
  const auto input = read_mri_input(folder_.path() / "k.cfl");
  EXPECT_EQ(input.acquisition.kspace.sizes(), (c10::IntArrayRef{2, 2, 6, 4}));
  EXPECT_EQ(input.acquisition.batch_dims[5], 2);
  MriReadOptions all_slices;
  all_slices.slice.reset();
  EXPECT_THROW(read_mri_input(folder_.path() / "k.cfl", all_slices), InputError);
}

TEST_F(MriInputTest, SenseModelNamesShapeMismatches) {
  const auto acquisition = mri::without_readout_oversampling(read_mri_input(generate("-m 16 -c 2")).acquisition);
  mri::SenseModelOptions options;
  options.maps = mri::CoilMapMethod::Given;
  options.given_maps = torch::ones({1, 3, 16, 16}, torch::kComplexFloat);  // 3 coils, the data have 2
  try {
    mri::sense_model(acquisition, 0, options);
    FAIL() << "accepted maps with the wrong coil count";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("coils x H x W must match"), std::string::npos) << error.what();
  }
  options = {};
  options.virtual_coils = 3;
  EXPECT_THROW(mri::prepare_slice(acquisition, 0, options), InputError);
  options = {};
  options.mask = torch::ones({8, 8});
  EXPECT_THROW(mri::prepare_slice(acquisition, 0, options), InputError);
}

}  // namespace
}  // namespace diffrecon
