// ISMRMRD input, on files from ismrmrd_generate_cartesian_shepp_logan (Debian's ismrmrd-tools) and a
// hand-written one: header fields, k-space assembly (lines, calibration flags, repetitions, every
// slice in one read), noise scans, and the data as acquired (readout oversampling kept, not
// whitened: those are mri/ steps, tested with the pipeline's reader in tests/recon/pipeline).
#include "io/ismrmrd_reader.h"
#include "tests/io/shepp_logan_file.h"

#include <gtest/gtest.h>
#include <ismrmrd/dataset.h>
#include <ismrmrd/version.h>
#include <ismrmrd/xml.h>

#include <fstream>
#include <iterator>
#include <sstream>

namespace diffrecon {
namespace {

using IsmrmrdReaderTest = testing::SheppLoganFile;

// A header with one 2-D Cartesian encoding of x x y samples and nothing else.
ISMRMRD::IsmrmrdHeader cartesian_header(uint16_t x, uint16_t y) {
  ISMRMRD::IsmrmrdHeader header;
  header.version = ISMRMRD_XMLHDR_VERSION;
  header.experimentalConditions.H1resonanceFrequency_Hz = 63500000;
  ISMRMRD::Encoding encoding;
  encoding.encodedSpace.matrixSize = ISMRMRD::MatrixSize(x, y, 1);
  encoding.encodedSpace.fieldOfView_mm = {240, 240, 5};
  encoding.reconSpace = encoding.encodedSpace;
  encoding.trajectory = ISMRMRD::TrajectoryType::CARTESIAN;
  header.encoding.push_back(encoding);
  return header;
}

std::string xml_of(const ISMRMRD::IsmrmrdHeader& header) {
  std::stringstream xml;
  ISMRMRD::serialize(header, xml);
  return xml.str();
}

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
  // Repetition 0: even lines plus the calibration band 12..19 (generator: centre +- width/2), read as
  // acquired: the readout keeps its oversampling (64 samples for a 32 recon matrix).
  EXPECT_EQ(scan.readout_oversampling(), 2);
  ASSERT_EQ(scan.kspace.sizes(), (c10::IntArrayRef{1, 4, 64, 32}));
  ASSERT_EQ(scan.mask.sizes(), (c10::IntArrayRef{1, 64, 32}));
  EXPECT_EQ(scan.imaging_lines, 20);
  EXPECT_EQ(scan.calibration_lines, 8);
  EXPECT_EQ(scan.skipped_acquisitions, 20);  // repetition 1
  auto lines = scan.mask[0][0];
  for (int64_t j = 0; j < 32; ++j) EXPECT_EQ(lines[j].item<float>() == 1, j % 2 == 0 || (j >= 12 && j <= 19)) << j;
  auto kspace_lines = scan.kspace[0].abs().sum(std::vector<int64_t>{0, 1}) > 0;
  EXPECT_TRUE(torch::equal(kspace_lines, lines > 0));
  // One noise scan of 64 samples x 4 channels, and the dwell times that scale it.
  EXPECT_EQ(scan.noise_acquisitions, 1);
  ASSERT_EQ(scan.noise.sizes(), (c10::IntArrayRef{4, 64}));
  EXPECT_GT(scan.noise_dwell_us, 0);
  EXPECT_GT(scan.acquisition_dwell_us, 0);
}

// A hand-written file: metadata, a reversed line, discarded samples, an off-centre echo and a navigator.
TEST_F(IsmrmrdReaderTest, MetadataAndAcquisitionFlagsOfAHandWrittenFile) {
  const auto file = folder_.path() / "hand.h5";
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
  IsmrmrdReadOptions first_slice;
  first_slice.slice = 0;
  const auto scan = read_ismrmrd(file, first_slice);
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
  ASSERT_EQ(scan.kspace.sizes(), (c10::IntArrayRef{1, 1, 8, 4}));
  EXPECT_EQ(scan.slice_indices, std::vector<int64_t>{0});
  auto real = torch::real(scan.kspace[0][0]);
  // Line step s goes to column s - centre(2) + W/2(2) = s.
  using torch::indexing::Slice;
  EXPECT_TRUE(torch::equal(real.index({Slice(), 0}), torch::arange(1, 9, torch::kFloat32)));
  EXPECT_TRUE(torch::equal(real.index({Slice(), 1}), torch::arange(8, 0, -1, torch::kFloat32)));
  EXPECT_TRUE(torch::equal(real.index({Slice(), 2}), torch::arange(3, 11, torch::kFloat32)));
  EXPECT_EQ(real.index({0, 3}).item<float>(), 0.0f);  // not acquired (asymmetric echo)
  EXPECT_EQ(real.index({2, 3}).item<float>(), 1.0f);
  EXPECT_EQ(scan.mask.sum().item<float>(), 8 * 3 + 6);
  // Every slice in one read.
  const auto all = read_ismrmrd(file);
  ASSERT_EQ(all.kspace.sizes(), (c10::IntArrayRef{2, 1, 8, 4}));
  EXPECT_EQ(all.slice_indices, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(all.imaging_lines, 5);
  EXPECT_EQ(all.skipped_acquisitions, 1);  // the navigator
  EXPECT_TRUE(torch::equal(all.kspace[0], scan.kspace[0]));
  EXPECT_EQ(all.mask[1].sum().item<float>(), 8);
  EXPECT_TRUE(torch::equal(torch::real(all.kspace[1][0]).index({torch::indexing::Slice(), 1}),
                           torch::arange(1, 9, torch::kFloat32)));
}

TEST_F(IsmrmrdReaderTest, TheDataComeAsAcquiredWithTheirReadoutOversampling) {
  const auto scan = read_ismrmrd(generate("-m 16 -c 2"));
  EXPECT_EQ(scan.kspace.sizes(), (c10::IntArrayRef{1, 2, 32, 16}));
  EXPECT_EQ(scan.readout_oversampling(), 2);
  EXPECT_FALSE(scan.noise.defined());
}

// Sizes from the header are checked before anything is allocated.
TEST_F(IsmrmrdReaderTest, ImpossibleMatrixAndChannelCountsAreRefusedBeforeAllocation) {
  auto write_header = [&](const std::string& file, uint16_t x, uint16_t y, uint16_t channels) {
    ISMRMRD::Dataset dataset((folder_.path() / file).c_str(), "dataset", true);
    auto header = cartesian_header(x, y);
    ISMRMRD::AcquisitionSystemInformation system;
    system.receiverChannels = channels;
    header.acquisitionSystemInformation = system;
    dataset.writeHeader(xml_of(header));
  };
  write_header("empty.h5", 0, 4, 1);
  write_header("huge.h5", 65535, 65535, 1024);
  for (const auto* file : {"empty.h5", "huge.h5"}) {
    try {
      read_ismrmrd(folder_.path() / file);
      ADD_FAILURE() << file << " was accepted";
    } catch (const IsmrmrdError& error) {
      EXPECT_NE(std::string(error.what()).find(file), std::string::npos) << error.what();
    }
  }
}

// Subject and study text that the DICOM series written from the scan could not carry is refused with
// the field's DICOM name: bytes that are not UTF-8, and text longer than the attribute allows.
TEST_F(IsmrmrdReaderTest, HeaderTextTheDicomSeriesCouldNotCarryIsRefused) {
  const auto header_with = [](const std::string& patient_name, const std::string& study_id) {
    auto header = cartesian_header(8, 8);
    ISMRMRD::SubjectInformation subject;
    subject.patientName = patient_name;
    header.subjectInformation = subject;
    ISMRMRD::StudyInformation study;
    study.studyID = study_id;
    header.studyInformation = study;
    return xml_of(header);
  };
  const auto refusal = [](const std::string& xml) {
    try {
      IsmrmrdScan scan;
      parse_ismrmrd_header(xml, "'scan.h5'", scan);
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refusal(header_with("M\xc3\xbcller^Hans", "STUDY7")), "accepted");
  EXPECT_NE(refusal(header_with("M\xfcller^Hans", "STUDY7")).find("'scan.h5' (XML header): Patient's Name is not UTF-8"),
            std::string::npos);
  EXPECT_NE(refusal(header_with("Doe^Jane", std::string(17, '7'))).find("Study ID has 17 characters; DICOM allows at most 16"),
            std::string::npos);
}

TEST_F(IsmrmrdReaderTest, MissingFilesAndArraysAreNamed) {
  try {
    read_ismrmrd(folder_.path() / "absent.h5");
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

// ISMRMRD's Dataset opens read-write and recreates a file that is not HDF5 (an empty one included) and
// adds a missing group: the reader checks first, read-only, and never changes its input.
TEST_F(IsmrmrdReaderTest, ReadingNeverWritesToItsInput) {
  const auto bytes_of = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const auto empty = folder_.path() / "empty.h5", text = folder_.path() / "text.h5", other = folder_.path() / "other.h5";
  std::ofstream(empty).close();
  std::ofstream(text) << "not HDF5";
  { ISMRMRD::Dataset dataset(other.c_str(), "another_group", true); }
  const auto other_bytes = bytes_of(other);
  const auto expect_refused = [&](const std::filesystem::path& file, const std::string& part) {
    try {
      read_ismrmrd(file);
      ADD_FAILURE() << "read " << file;
    } catch (const IsmrmrdError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_refused(empty, "empty.h5' is empty");
  expect_refused(text, "text.h5' is not an HDF5 file");
  expect_refused(other, "other.h5' has no ISMRMRD group 'dataset'");
  EXPECT_EQ(std::filesystem::file_size(empty), 0u);
  EXPECT_EQ(bytes_of(text), "not HDF5");
  EXPECT_EQ(bytes_of(other), other_bytes);
}

}  // namespace
}  // namespace diffrecon
