// ISMRMRD input, on files from ismrmrd_generate_cartesian_shepp_logan (Debian's ismrmrd-tools):
// header fields, k-space assembly (lines, calibration flags, repetitions), noise scans, readout
// oversampling removal, and a reconstruction that matches the phantom stored in the file.
#include "io/ismrmrd_reader.h"
#include "mri/classical_reconstruction.h"
#include "mri/coil_preprocessing.h"
#include "validation/image_metrics.h"

#include <gtest/gtest.h>
#include <ismrmrd/dataset.h>
#include <ismrmrd/version.h>
#include <ismrmrd/xml.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

namespace diffrecon {
namespace {

namespace fs = std::filesystem;

class IsmrmrdReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("diffrecon-ismrmrd-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  // Runs the generator with `arguments`; returns the file.
  fs::path generate(const std::string& arguments) {
    const auto file = folder_ / "scan.h5";
    const auto command = "ismrmrd_generate_cartesian_shepp_logan " + arguments + " -o " + file.string() + " > /dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
    return file;
  }

  // The stored phantom [x, y] and coil maps [x, y, c] as [H, W] and [C, H, W].
  static torch::Tensor phantom_of(const fs::path& file) {
    auto phantom = read_ismrmrd_array(file, "phantom");
    return phantom.reshape({phantom.size(0), phantom.size(1)});
  }
  static torch::Tensor maps_of(const fs::path& file) {
    auto maps = read_ismrmrd_array(file, "csm");
    return maps.reshape({maps.size(0), maps.size(1), maps.size(2)}).permute({2, 0, 1}).contiguous();
  }

  fs::path folder_;
};

TEST_F(IsmrmrdReaderTest, HeaderLinesFlagsAndNoiseOfAnAcceleratedScan) {
  const auto file = generate("-m 32 -c 4 -a 2 -w 8 -C -n 0.01");
  const auto scan = read_ismrmrd(file);
  EXPECT_EQ(scan.coils, 4);
  EXPECT_EQ(scan.encoding.encoded_matrix, (std::array<int64_t, 3>{64, 32, 1}));
  EXPECT_EQ(scan.encoding.recon_matrix, (std::array<int64_t, 3>{32, 32, 1}));
  EXPECT_DOUBLE_EQ(scan.encoding.encoded_fov_mm[0], 600);
  EXPECT_EQ(scan.encoding.acceleration_step1, 2);
  EXPECT_EQ(scan.encoding.calibration_mode, "interleaved");
  EXPECT_EQ(scan.encoding.step1_center, 16);
  EXPECT_EQ(scan.metadata.institution_name, "ISMRM Synthetic Imaging Lab");
  EXPECT_EQ(scan.metadata.resonance_frequency_hz, 63500000);
  // Repetition 0: even lines plus the calibration band 12..19 (generator: centre +- width/2).
  EXPECT_EQ(scan.oversampling_factor, 2);
  ASSERT_EQ(scan.kspace.sizes(), (c10::IntArrayRef{4, 32, 32}));
  EXPECT_EQ(scan.imaging_lines, 20);
  EXPECT_EQ(scan.calibration_lines, 8);
  EXPECT_EQ(scan.skipped_acquisitions, 20);  // repetition 1
  auto lines = scan.mask[0];
  for (int64_t j = 0; j < 32; ++j) EXPECT_EQ(lines[j].item<float>() == 1, j % 2 == 0 || (j >= 12 && j <= 19)) << j;
  auto kspace_lines = scan.kspace.abs().sum(std::vector<int64_t>{0, 1}) > 0;
  EXPECT_TRUE(torch::equal(kspace_lines, lines > 0));
  // One noise scan of 64 samples x 4 channels, used for whitening.
  EXPECT_EQ(scan.noise_acquisitions, 1);
  ASSERT_EQ(scan.noise.sizes(), (c10::IntArrayRef{4, 64}));
  ASSERT_TRUE(scan.whitening.defined());
  auto whitened_noise = mri::apply_coil_matrix(scan.whitening, scan.noise.to(torch::kComplexDouble));
  EXPECT_LT((mri::noise_covariance(whitened_noise) - torch::eye(4, torch::kComplexDouble)).abs().max().item<double>(), 1e-9);
}

TEST_F(IsmrmrdReaderTest, AllRepetitionsTogetherReconstructToTheStoredPhantom) {
  const auto file = generate("-m 48 -c 6 -a 3 -w 12 -n 0");
  IsmrmrdReadOptions options;
  options.repetition = -1;  // the three interleaved repetitions sample every line
  const auto scan = read_ismrmrd(file, options);
  EXPECT_EQ(scan.mask.sum().item<float>(), 48 * 48);
  EXPECT_FALSE(scan.whitening.defined());  // no noise scans
  const auto phantom = phantom_of(file);
  ASSERT_EQ(phantom.sizes(), (c10::IntArrayRef{48, 48}));
  mri::SenseOperator sense(maps_of(file), scan.mask);
  mri::ReconstructionOptions cg;
  cg.lambda = 0;
  cg.iterations = 20;
  const auto image = mri::reconstruct(sense, scan.kspace, cg).image;
  EXPECT_LT(nrmse(image, phantom), 1e-3);
}

TEST_F(IsmrmrdReaderTest, OneRepetitionWithCalibrationGivesAnAcceleratedScanThatCgSenseUnfolds) {
  const auto file = generate("-m 48 -c 6 -a 2 -w 12 -n 0.002 -C");
  const auto scan = read_ismrmrd(file);
  EXPECT_NEAR(scan.mask.mean().item<double>(), 30.0 / 48, 1e-6);  // 24 even lines + 6 odd calibration lines
  const auto phantom = phantom_of(file);
  // The stored maps, whitened like the data, and normalised.
  auto maps = mri::apply_coil_matrix(scan.whitening, maps_of(file).to(torch::kComplexDouble)).to(torch::kComplexFloat);
  mri::SenseOperator sense(maps, scan.mask);
  mri::ReconstructionOptions options;
  options.method = mri::ReconstructionMethod::ZeroFilled;
  const double zero_filled = nrmse(mri::reconstruct(sense, scan.kspace, options).image.abs(), phantom.abs());
  options.method = mri::ReconstructionMethod::ConjugateGradientSense;
  options.lambda = 0;
  options.iterations = 30;
  const double cg = nrmse(mri::reconstruct(sense, scan.kspace, options).image.abs(), phantom.abs());
  EXPECT_LT(cg, 0.05);
  EXPECT_LT(cg, zero_filled / 3);
}

// A hand-written file: metadata, a reversed line, discarded samples, an off-centre echo and a navigator.
TEST_F(IsmrmrdReaderTest, MetadataAndAcquisitionFlagsOfAHandWrittenFile) {
  const auto file = folder_ / "hand.h5";
  {
    ISMRMRD::Dataset dataset(file.c_str(), "dataset", true);
    ISMRMRD::IsmrmrdHeader header;
    header.version = ISMRMRD_XMLHDR_VERSION;
    header.experimentalConditions.H1resonanceFrequency_Hz = 127000000;
    ISMRMRD::SubjectInformation subject;
    subject.patientName = std::string("Doe^Jane");
    subject.patientID = std::string("P-17");
    header.subjectInformation = subject;
    ISMRMRD::StudyInformation study;
    study.studyInstanceUID = std::string("1.2.3.4");
    study.studyDescription = std::string("brain");
    header.studyInformation = study;
    ISMRMRD::MeasurementInformation measurement;
    measurement.measurementID = std::string("M1");
    measurement.patientPosition = "HFS";
    measurement.protocolName = std::string("t1_se");
    header.measurementInformation = measurement;
    ISMRMRD::Encoding encoding;
    encoding.encodedSpace.matrixSize = ISMRMRD::MatrixSize(8, 4, 1);
    encoding.encodedSpace.fieldOfView_mm = {240, 120, 5};
    encoding.reconSpace = encoding.encodedSpace;
    encoding.encodingLimits.kspace_encoding_step_1 = ISMRMRD::Limit(0, 3, 2);
    encoding.trajectory = ISMRMRD::TrajectoryType::CARTESIAN;
    header.encoding.push_back(encoding);
    std::stringstream xml;
    ISMRMRD::serialize(header, xml);
    dataset.writeHeader(xml.str());
    auto line = [&](uint16_t step, uint16_t samples, uint16_t discard_pre, uint16_t centre, uint64_t flag,
                    uint16_t slice = 0) {
      ISMRMRD::Acquisition acq;
      acq.resize(samples, 1);
      for (uint16_t s = 0; s < samples; ++s) acq.data(s, 0) = complex_float_t(s + 1, step);
      acq.idx().kspace_encode_step_1 = step;
      acq.idx().slice = slice;
      acq.discard_pre() = discard_pre;
      acq.center_sample() = centre;
      acq.position()[0] = 1.5f;
      acq.read_dir()[0] = 1;
      acq.phase_dir()[1] = 1;
      acq.slice_dir()[2] = 1;
      if (flag) acq.setFlag(static_cast<ISMRMRD::ISMRMRD_AcquisitionFlags>(flag));
      dataset.appendAcquisition(acq);
    };
    line(0, 8, 0, 4, 0);                                     // plain
    line(1, 8, 0, 4, ISMRMRD::ISMRMRD_ACQ_IS_REVERSE);       // reversed readout
    line(2, 10, 2, 6, 0);                                    // 2 samples discarded, echo at 6 - 2 = 4
    line(3, 6, 0, 2, 0);                                     // asymmetric echo: samples 0..5 -> readout 2..7
    line(3, 8, 0, 4, ISMRMRD::ISMRMRD_ACQ_IS_NAVIGATION_DATA);  // skipped
    line(1, 8, 0, 4, 0, /*slice=*/1);                           // a second slice with one line
  }
  const auto scan = read_ismrmrd(file);
  EXPECT_EQ(scan.metadata.patient_name, "Doe^Jane");
  EXPECT_EQ(scan.metadata.patient_id, "P-17");
  EXPECT_EQ(scan.metadata.study_instance_uid, "1.2.3.4");
  EXPECT_EQ(scan.metadata.study_description, "brain");
  EXPECT_EQ(scan.metadata.measurement_id, "M1");
  EXPECT_EQ(scan.metadata.patient_position, "HFS");
  EXPECT_EQ(scan.metadata.protocol_name, "t1_se");
  EXPECT_EQ(scan.metadata.resonance_frequency_hz, 127000000);
  EXPECT_FLOAT_EQ(scan.metadata.position[0], 1.5f);
  EXPECT_FLOAT_EQ(scan.metadata.phase_direction[1], 1.0f);
  EXPECT_EQ(scan.skipped_acquisitions, 2);  // the navigator and the other slice
  EXPECT_EQ(scan.imaging_lines, 4);
  EXPECT_EQ(scan.slices_found, 2);
  ASSERT_EQ(scan.kspace.sizes(), (c10::IntArrayRef{1, 8, 4}));
  auto real = torch::real(scan.kspace[0]);
  // Line step s goes to column s - centre(2) + W/2(2) = s.
  using torch::indexing::Slice;
  EXPECT_TRUE(torch::equal(real.index({Slice(), 0}), torch::arange(1, 9, torch::kFloat32)));
  EXPECT_TRUE(torch::equal(real.index({Slice(), 1}), torch::arange(8, 0, -1, torch::kFloat32)));
  EXPECT_TRUE(torch::equal(real.index({Slice(), 2}), torch::arange(3, 11, torch::kFloat32)));
  EXPECT_EQ(real.index({0, 3}).item<float>(), 0.0f);  // not acquired (asymmetric echo)
  EXPECT_EQ(real.index({2, 3}).item<float>(), 1.0f);
  EXPECT_EQ(scan.mask.sum().item<float>(), 8 * 3 + 6);
  const auto slices = read_ismrmrd_slices(file);
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_TRUE(torch::equal(slices[0].kspace, scan.kspace));
  EXPECT_EQ(slices[1].imaging_lines, 1);
  EXPECT_EQ(slices[1].mask.sum().item<float>(), 8);
  EXPECT_TRUE(torch::equal(torch::real(slices[1].kspace[0]).index({torch::indexing::Slice(), 1}),
                           torch::arange(1, 9, torch::kFloat32)));
}

TEST_F(IsmrmrdReaderTest, OversamplingIsKeptWhenAsked) {
  IsmrmrdReadOptions options;
  options.remove_oversampling = false;
  const auto scan = read_ismrmrd(generate("-m 16 -c 2"), options);
  EXPECT_EQ(scan.kspace.sizes(), (c10::IntArrayRef{2, 32, 16}));
  EXPECT_EQ(scan.oversampling_factor, 1);
}

TEST_F(IsmrmrdReaderTest, MissingFilesAndArraysAreNamed) {
  try {
    read_ismrmrd(folder_ / "absent.h5");
    FAIL();
  } catch (const IsmrmrdError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.h5' does not exist"), std::string::npos);
  }
  const auto file = generate("-m 16 -c 2");
  EXPECT_THROW(read_ismrmrd_array(file, "no_such_array"), IsmrmrdError);
  IsmrmrdReadOptions options;
  options.slice = 3;
  EXPECT_THROW(read_ismrmrd(file, options), IsmrmrdError);
}

}  // namespace
}  // namespace diffrecon
