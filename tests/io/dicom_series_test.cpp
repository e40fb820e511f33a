// The DICOM series writer and reader: every series validates with dciodvfy (dicom3tools), ITK/GDCM
// reads it back as one volume with the written geometry, the reader round-trips values, geometry and
// patient/study attributes, and broken or inconsistent series are refused naming the file.
#include "core/error.h"
#include "core/seeded_random.h"
#include "io/dicom_series_reader.h"
#include "io/dicom_series_writer.h"

#include "tests/scratch_folder.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <gtest/gtest.h>
#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageSeriesReader.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace diffrecon {
namespace {

using diffrecon::testing::ScratchFolder;
namespace fs = std::filesystem;

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// dciodvfy prints "Error - ..." / "Warning - ..." lines and exits 1 on errors (docs/platform.md 2.3).
// No errors, and no warnings except DICOMDIR hints about identifiers the input did not have (an
// anonymous study has no Patient ID or Study ID, and none is made up).
void expect_valid_dicom(const fs::path& file) {
  const auto result = run("dciodvfy '" + file.string() + "'");
  EXPECT_EQ(result.status, 0) << file << ":\n" << result.output;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(line.rfind("Error", 0), 0u) << file << ": " << line;
    if (line.rfind("Warning", 0) == 0)
      EXPECT_NE(line.find("needed to build DICOMDIR"), std::string::npos) << file << ": " << line;
  }
}

// An oblique frame: rows along (cos a, sin a, 0), columns along (0, 0, -1) (a coronal-ish tilt),
// slices along their cross product.
VolumeGeometry oblique_geometry() {
  const double a = 0.3;
  VolumeGeometry g;
  const std::array<double, 3> row{std::cos(a), std::sin(a), 0.0}, column{0.0, 0.0, -1.0};
  const std::array<double, 3> normal{row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2],
                                     row[0] * column[1] - row[1] * column[0]};
  g.direction = {row[0], column[0], normal[0], row[1], column[1], normal[1], row[2], column[2], normal[2]};
  g.spacing = {0.8, 1.25, 3.0};
  g.origin = {-40.5, 12.25, 60.0};
  g.slice_thickness_mm = 2.5;
  return g;
}

DicomStudy patient() {
  DicomStudy study;
  study.patient_name = "Doe^Jane";
  study.patient_id = "P-0042";
  study.patient_birth_date = "19700101";
  study.patient_sex = "F";
  study.study_instance_uid = "1.2.826.0.1.3680043.10.543.7";
  study.study_description = "Brain research";
  study.accession_number = "A123";
  return study;
}

TEST(DicomSeries, MrSeriesValidatesAndRoundTrips) {
  ScratchFolder folder;
  auto volume = torch::rand({4, 10, 12}, torch::kFloat64) * 7.0;
  DicomSeries series;
  series.volume = volume;
  series.geometry = oblique_geometry();
  series.series_description = "DiffRecon test";
  series.derivation_description = "method l1-wavelet; seed 3";
  DicomSeriesWriter writer(patient(), "1.2.826.0.1.3680043.10.543");
  const auto written = writer.write(folder / "mr", series);
  EXPECT_EQ(writer.study_instance_uid(), "1.2.826.0.1.3680043.10.543.7");  // the input's study is reused
  ASSERT_EQ(written.file_names.size(), 4u);
  EXPECT_NEAR(written.scale, kMrStoredMaximum / volume.max().item<double>(), 1e-9);
  for (const auto& name : written.file_names) expect_valid_dicom(folder / "mr" / name);
  EXPECT_EQ(written.series_instance_uid.rfind("1.2.826.0.1.3680043.10.543.", 0), 0u) << written.series_instance_uid;

  const auto read = read_dicom_series(folder / "mr");
  EXPECT_EQ(read.modality, "MR");
  EXPECT_EQ(read.series_instance_uid, written.series_instance_uid);
  EXPECT_EQ(read.study.patient_name, "Doe^Jane");
  EXPECT_EQ(read.study.patient_id, "P-0042");
  EXPECT_EQ(read.study.study_instance_uid, "1.2.826.0.1.3680043.10.543.7");
  EXPECT_EQ(read.series_description, "DiffRecon test");
  ASSERT_EQ(read.data.sizes(), volume.sizes());
  // Quantised to 12 bits: within half a stored step of the scaled values.
  EXPECT_LE((read.data.to(torch::kFloat64) / written.scale - volume).abs().max().item<double>(), 0.5 / written.scale + 1e-9);
  const auto g = oblique_geometry();
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(read.geometry.spacing[i], g.spacing[i], 1e-6);
    EXPECT_NEAR(read.geometry.origin[i], g.origin[i], 1e-6);
  }
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(read.geometry.direction[i], g.direction[i], 1e-6);
}

TEST(DicomSeries, ItkGdcmReadsTheSeriesAsOneVolumeWithItsGeometry) {
  ScratchFolder folder;
  const auto g = oblique_geometry();
  DicomSeries series;
  series.modality = DicomModality::CT;
  series.volume = torch::linspace(-1000, 1500, 5 * 8 * 6, torch::kFloat32).reshape({5, 8, 6});
  series.geometry = g;
  DicomSeriesWriter writer(DicomStudy{});
  writer.write(folder / "ct", series);

  using Volume = itk::Image<float, 3>;
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetDirectory((folder / "ct").string());
  const auto& uids = names->GetSeriesUIDs();
  ASSERT_EQ(uids.size(), 1u);
  auto reader = itk::ImageSeriesReader<Volume>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(names->GetFileNames(uids.front()));
  reader->Update();
  auto image = reader->GetOutput();
  const auto size = image->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], 6u);
  EXPECT_EQ(size[1], 8u);
  EXPECT_EQ(size[2], 5u);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_NEAR(image->GetSpacing()[i], g.spacing[i], 1e-4) << "spacing " << i;
    EXPECT_NEAR(image->GetOrigin()[i], g.origin[i], 1e-4) << "origin " << i;
    for (unsigned j = 0; j < 3; ++j) EXPECT_NEAR(image->GetDirection()[i][j], g.direction[3 * i + j], 1e-5);
  }
  // GDCM applies Rescale Slope/Intercept: Hounsfield units come back (rounded to integers).
  const Volume::IndexType last{{5, 7, 4}}, first{{0, 0, 0}};
  EXPECT_NEAR(image->GetPixel(first), -1000.0, 0.5);
  EXPECT_NEAR(image->GetPixel(last), 1500.0, 0.5);
}

TEST(DicomSeries, CtSeriesValidatesAndKeepsHounsfieldUnits) {
  ScratchFolder folder;
  // Seeded, and no lower than -1024 HU: CT stores HU + 1024 unsigned, so anything below is clamped by design
  // (an unseeded draw went below it about one run in twenty).
  SeededRandom random(5);
  auto hu = (random.normal({3, 9, 7}) * 300.0).clamp_min(-1024.0);
  DicomSeries series;
  series.modality = DicomModality::CT;
  series.volume = hu;
  series.image_comments = "TV lambda 0.2";
  DicomSeriesWriter writer(DicomStudy{});
  const auto written = writer.write(folder / "ct", series);
  for (const auto& name : written.file_names) expect_valid_dicom(folder / "ct" / name);
  const auto read = read_dicom_series(folder / "ct");
  EXPECT_EQ(read.modality, "CT");
  EXPECT_LE((read.data - hu).abs().max().item<float>(), 0.5f + 1e-3f);
}

TEST(DicomSeries, SecondSeriesSharesStudyAndFrameOfReference) {
  ScratchFolder folder;
  DicomSeriesWriter writer(DicomStudy{});  // no input study: a fresh UID
  DicomSeries image, spread;
  image.volume = torch::rand({2, 6, 6});
  spread.volume = image.volume * 0.1;
  spread.series_number = 2;
  spread.mr_scale = 100.0;
  const auto a = writer.write(folder / "image", image);
  const auto b = writer.write(folder / "std", spread);
  EXPECT_NE(a.series_instance_uid, b.series_instance_uid);
  EXPECT_DOUBLE_EQ(b.scale, 100.0);
  const auto ra = read_dicom_series(folder / "image"), rb = read_dicom_series(folder / "std");
  EXPECT_EQ(ra.study.study_instance_uid, rb.study.study_instance_uid);
  EXPECT_EQ(ra.study.study_instance_uid, writer.study_instance_uid());
  for (const auto* name : {"image/IM0001.dcm", "std/IM0002.dcm"}) {
    DcmFileFormat format;
    ASSERT_TRUE(format.loadFile((folder / name).c_str()).good());
    OFString frame;
    format.getDataset()->findAndGetOFString(DCM_FrameOfReferenceUID, frame);
    EXPECT_EQ(std::string(frame.c_str()), writer.frame_of_reference_uid()) << name;
  }
}

TEST(DicomSeries, InputValuesInOtherFormsAreDroppedNotWrittenInvalid) {
  ScratchFolder folder;
  DicomStudy study;
  study.patient_sex = "female";
  study.patient_birth_date = "1970-13";
  study.study_date = "yesterday";
  study.study_time = "12:30";
  DicomSeries series;
  series.volume = torch::rand({1, 4, 4});
  DicomSeriesWriter(study).write(folder / "s", series);
  expect_valid_dicom(folder / "s" / "IM0001.dcm");
  const auto read = read_dicom_series(folder / "s");
  EXPECT_EQ(read.study.patient_sex, "");
  EXPECT_EQ(read.study.patient_birth_date, "");
  EXPECT_EQ(read.study.study_date, "");
}

TEST(DicomSeries, ExistingOutputIsRefusedWithoutOverwrite) {
  ScratchFolder folder;
  DicomSeries series;
  series.volume = torch::rand({1, 4, 4});
  DicomSeriesWriter writer(DicomStudy{});
  writer.write(folder / "s", series);
  EXPECT_THROW(writer.write(folder / "s", series), OutputExistsError);
  EXPECT_NO_THROW(writer.write(folder / "s", series, Overwrite::Allow));
  series.volume = torch::full({1, 4, 4}, NAN);
  EXPECT_THROW(writer.write(folder / "nan", series), std::invalid_argument);
  EXPECT_FALSE(fs::exists(folder / "nan"));
  EXPECT_THROW(DicomSeriesWriter(DicomStudy{}, "1.2.abc"), std::invalid_argument);
}

// Rewrites one attribute of a file (a broken series for the reader).
void set_attribute(const fs::path& file, const DcmTagKey& tag, const std::string& value) {
  DcmFileFormat format;
  ASSERT_TRUE(format.loadFile(file.c_str()).good());
  ASSERT_TRUE(format.getDataset()->putAndInsertString(tag, value.c_str()).good());
  ASSERT_TRUE(format.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
}

void expect_refused(const fs::path& folder, const std::string& expected_part) {
  try {
    read_dicom_series(folder);
    ADD_FAILURE() << "expected DicomError mentioning '" << expected_part << "'";
  } catch (const DicomError& error) {
    EXPECT_NE(std::string(error.what()).find(expected_part), std::string::npos) << error.what();
  }
}

TEST(DicomSeries, ReaderRefusesBrokenAndInconsistentSeries) {
  ScratchFolder folder;
  DicomSeries series;
  series.volume = torch::rand({4, 5, 5});
  DicomSeriesWriter writer(DicomStudy{});
  auto fresh = [&](const std::string& name) {
    writer.write(folder / name, series);
    return folder / name;
  };
  // Slices are sorted by position, not by file name.
  {
    const auto dir = fresh("shuffled");
    fs::rename(dir / "IM0001.dcm", dir / "IM9999.dcm");
    const auto read = read_dicom_series(dir);
    EXPECT_EQ(read.files.front().filename(), "IM9999.dcm");
  }
  expect_refused(folder / "missing", "does not exist");
  {
    const auto dir = fresh("not_dicom");
    std::ofstream(dir / "notes.txt") << "hello";
    expect_refused(dir, "notes.txt");
  }
  {
    const auto dir = fresh("gap");
    fs::remove(dir / "IM0003.dcm");
    expect_refused(dir, "evenly spaced");
  }
  {
    const auto dir = fresh("duplicate");
    fs::copy_file(dir / "IM0002.dcm", dir / "IM0005.dcm");
    expect_refused(dir, "same slice position");
  }
  {
    const auto dir = fresh("orientation");
    set_attribute(dir / "IM0002.dcm", DCM_ImageOrientationPatient, "0\\1\\0\\1\\0\\0");
    expect_refused(dir, "IM0002.dcm' has another Image Orientation");
  }
  {
    const auto dir = fresh("two_series");
    set_attribute(dir / "IM0004.dcm", DCM_SeriesInstanceUID, "1.2.3.4");
    expect_refused(dir, "IM0004.dcm' belongs to series 1.2.3.4");
  }
  {
    const auto dir = fresh("no_position");
    DcmFileFormat format;
    ASSERT_TRUE(format.loadFile((dir / "IM0003.dcm").c_str()).good());
    delete format.getDataset()->remove(DCM_ImagePositionPatient);
    ASSERT_TRUE(format.saveFile((dir / "IM0003.dcm").c_str(), EXS_LittleEndianExplicit).good());
    expect_refused(dir, "IM0003.dcm' has no Image Position (Patient)");
  }
}

// Patient and study text the written series must carry as UTF-8 within each attribute's length: text
// in a declared character set is converted, text that is not what it claims or is too long is refused.
TEST(DicomSeries, HeaderTextIsConvertedToUtf8OrRefused) {
  ScratchFolder folder;
  DicomSeries series;
  series.volume = torch::rand({2, 4, 4});
  DicomSeriesWriter writer(DicomStudy{});
  const auto fresh = [&](const std::string& name) {
    writer.write(folder / name, series);
    return folder / name;
  };
  const auto both_slices = [](const fs::path& dir, const DcmTagKey& tag, const std::string& value) {
    for (const auto* file : {"IM0001.dcm", "IM0002.dcm"}) set_attribute(dir / file, tag, value);
  };
  {
    const auto dir = fresh("latin1");
    both_slices(dir, DCM_SpecificCharacterSet, "ISO_IR 100");
    both_slices(dir, DCM_PatientName, "M\xfcller^Hans");
    EXPECT_EQ(read_dicom_series(dir).study.patient_name, "M\xc3\xbcller^Hans");  // UTF-8
  }
  {
    const auto dir = fresh("undeclared");
    both_slices(dir, DCM_SpecificCharacterSet, "");
    both_slices(dir, DCM_PatientName, "M\xfcller^Hans");
    expect_refused(dir, "Patient's Name is not UTF-8");
  }
  {
    DicomStudy study;
    study.patient_name = "M\xc3\xbcller^Hans";  // UTF-8, as from an ISMRMRD header
    DicomSeriesWriter utf8_writer(study);
    utf8_writer.write(folder / "utf8", series);
    DcmFileFormat format;
    ASSERT_TRUE(format.loadFile((folder / "utf8" / "IM0001.dcm").c_str()).good());
    OFString character_set;
    format.getDataset()->findAndGetOFStringArray(DCM_SpecificCharacterSet, character_set);
    EXPECT_EQ(std::string(character_set.c_str()), "ISO_IR 192");
    EXPECT_EQ(read_dicom_series(folder / "utf8").study.patient_name, study.patient_name);
  }
  {
    const auto dir = fresh("overlong");
    both_slices(dir, DCM_InstitutionName, std::string(65, 'x'));
    expect_refused(dir, "Institution Name has 65 characters; DICOM allows at most 64");
  }
}

TEST(DicomStudyText, Utf8IsCheckedByTheStandardsRules) {
  EXPECT_TRUE(is_utf8("plain ASCII"));
  EXPECT_TRUE(is_utf8("M\xc3\xbcller \xe6\x97\xa5\xf0\x9f\x98\x80"));  // 2, 3 and 4 bytes
  EXPECT_FALSE(is_utf8("M\xfcller"));                    // Latin-1
  EXPECT_FALSE(is_utf8("\xc3"));                         // cut short
  EXPECT_FALSE(is_utf8("\xc0\xaf"));                     // overlong '/'
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));                 // a surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));             // above U+10FFFF
  DicomStudy study;
  study.patient_name = std::string(64, 'a') + "=" + std::string(64, 'b');  // two groups of 64: allowed
  EXPECT_NO_THROW(check_study_text(study, "here"));
  study.station_name = std::string(16, '\xc3') + "";  // not UTF-8 (continuation bytes missing)
  EXPECT_THROW(check_study_text(study, "here"), InputError);
  study.station_name = "\xc3\xa9" + std::string(15, 'a');  // 16 characters in 17 bytes
  EXPECT_NO_THROW(check_study_text(study, "here"));
}

// What PACS send: pydicom's test files (Debian python3-pydicom, installed by scripts/setup.sh) hold
// one MR slice in every transfer syntax; each must read to the pixels of the uncompressed file, and
// what cannot be decoded (JPEG 2000) or is broken must be refused naming the file.
TEST(DicomSeries, EveryTransferSyntaxAPacsSendsReadsToTheSamePixels) {
  const fs::path data = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
  ASSERT_TRUE(fs::is_directory(data)) << data << ": scripts/setup.sh installs python3-pydicom";
  const auto reference = read_dicom_series(data / "MR_small.dcm");
  ASSERT_EQ(reference.data.sizes(), (c10::IntArrayRef{1, 64, 64}));
  EXPECT_GT(reference.data.abs().max().item<float>(), 0.0f);
  for (const char* name : {"MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_RLE.dcm",
                           "MR_small_jpeg_ls_lossless.dcm", "MR_small_padded.dcm"}) {
    const auto read = read_dicom_series(data / name);
    EXPECT_TRUE(torch::equal(read.data, reference.data)) << name;
    EXPECT_EQ(read.geometry.spacing, reference.geometry.spacing) << name;
  }
  // JPEG lossless (process 14, made here with DCMTK's encoder) reads to the same pixels.
  ScratchFolder folder;
  {
    DJEncoderRegistration::registerCodecs();
    DcmFileFormat format;
    ASSERT_TRUE(format.loadFile((data / "MR_small.dcm").c_str()).good());
    const DJ_RPLossless lossless;
    ASSERT_TRUE(format.getDataset()->chooseRepresentation(EXS_JPEGProcess14SV1, &lossless).good());
    ASSERT_TRUE(format.saveFile((folder / "lossless.dcm").c_str(), EXS_JPEGProcess14SV1).good());
    DJEncoderRegistration::cleanup();
    EXPECT_TRUE(torch::equal(read_dicom_series(folder / "lossless.dcm").data, reference.data));
  }
  // JPEG baseline and extended (lossy, no reference pixels): pydicom's files lack the slice geometry the
  // reader needs, so it is added, the pixel data left compressed as it was.
  for (const char* name : {"JPEG-lossy.dcm", "JPGExtended.dcm"}) {
    DcmFileFormat format;
    ASSERT_TRUE(format.loadFile((data / name).c_str()).good());
    auto& dataset = *format.getDataset();
    ASSERT_TRUE(DcmXfer(dataset.getOriginalXfer()).isEncapsulated()) << name;
    dataset.putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
    dataset.putAndInsertString(DCM_ImagePositionPatient, "0\\0\\0");
    dataset.putAndInsertString(DCM_PixelSpacing, "1\\1");
    ASSERT_TRUE(format.saveFile((folder / name).c_str(), dataset.getOriginalXfer()).good()) << name;
    const auto read = read_dicom_series(folder / name);
    EXPECT_EQ(read.data.dim(), 3) << name;
    EXPECT_GT(read.data.std().item<float>(), 0.0f) << name;
  }
  const auto ct = read_dicom_series(data / "CT_small.dcm");
  EXPECT_EQ(ct.modality, "CT");
  EXPECT_LT(ct.data.min().item<float>(), -500.0f);  // air in HU
  expect_refused(data / "MR_small_jp2klossless.dcm", "MR_small_jp2klossless.dcm' is compressed with JPEG 2000");
  expect_refused(data / "MR_truncated.dcm", "MR_truncated.dcm");
}

}  // namespace
}  // namespace diffrecon
