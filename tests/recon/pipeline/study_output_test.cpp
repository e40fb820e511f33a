// The study folder: an image and an uncertainty series in one study, the report, atomicity.
#include "recon/pipeline/study_output.h"

#include "io/dicom_series_reader.h"
#include "io/image_file.h"
#include "tests/scratch_folder.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>

namespace diffrecon {
namespace {

using diffrecon::testing::ScratchFolder;
namespace fs = std::filesystem;

StudyOutputRequest request_in(const fs::path& folder) {
  StudyOutputRequest request;
  request.folder = folder;
  request.image = torch::rand({3, 16, 12}) + 0.5;
  request.uncertainty = torch::rand({3, 16, 12}) * 0.1;
  request.geometry.spacing = {0.9, 1.1, 4.0};
  request.study.patient_name = "Roe^Richard";
  request.record.command = "test";
  request.record.method = "dps";
  request.record.prior_id = "mri-brain-v1";
  request.record.prior_sha256 = std::string(64, 'a');
  request.record.seed = 7;
  request.record.nfe = 1000;
  request.record.metrics = {{"psnr_db", 31.5}};
  request.previews = {{"mean", request.image[1]}, {"std", request.uncertainty[1]}, {"empty", torch::Tensor()}};
  return request;
}

TEST(StudyOutput, ImageAndUncertaintySeriesShareTheStudyAndTheReportRecordsTheRun) {
  ScratchFolder folder;
  const auto request = request_in(folder / "study");
  const auto output = write_study_output(request);
  EXPECT_TRUE(is_complete_study_output(folder / "study"));
  ASSERT_EQ(output.series.size(), 2u);
  EXPECT_EQ(output.dicom_files.size(), 6u);
  for (const auto& file : output.dicom_files) EXPECT_TRUE(fs::is_regular_file(file)) << file;
  const auto image = read_dicom_series(folder / "study" / "dicom" / "001_image");
  const auto spread = read_dicom_series(folder / "study" / "dicom" / "002_std");
  EXPECT_EQ(image.study.study_instance_uid, spread.study.study_instance_uid);
  EXPECT_EQ(image.study.study_instance_uid, output.study_instance_uid);
  EXPECT_NE(image.series_instance_uid, spread.series_instance_uid);
  EXPECT_EQ(spread.study.patient_name, "Roe^Richard");
  // Same MR scale for both: stored values compare directly.
  EXPECT_DOUBLE_EQ(output.series[0].scale, output.series[1].scale);
  const double scale = output.series[0].scale;
  EXPECT_LE((spread.data / scale - request.uncertainty).abs().max().item<float>(), 0.5 / scale + 1e-6);
  EXPECT_NEAR(image.geometry.spacing[2], 4.0, 1e-9);

  std::ifstream file(folder / "study" / kStudyReportName);
  const auto report = nlohmann::json::parse(file);
  EXPECT_EQ(report["method"], "dps");
  EXPECT_EQ(report["prior"]["id"], "mri-brain-v1");
  EXPECT_EQ(report["prior"]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(report["seed"], 7);
  EXPECT_EQ(report["nfe_per_chain"], 1000);
  EXPECT_DOUBLE_EQ(report["metrics"]["psnr_db"].get<double>(), 31.5);
  EXPECT_EQ(report["series"].size(), 2u);
  EXPECT_EQ(report["series"][1]["folder"], "dicom/002_std");
  EXPECT_EQ(report["study_instance_uid"], output.study_instance_uid);
  EXPECT_NE(report["software"]["DCMTK"].get<std::string>(), "");
  EXPECT_NE(report["derivation"].get<std::string>().find("prior mri-brain-v1 sha256 aaaa"), std::string::npos);
}

TEST(StudyOutput, CtStudyWithUncertaintyValidates) {
  ScratchFolder folder;
  auto request = request_in(folder / "ct");
  request.modality = DicomModality::CT;
  request.image = torch::randn({2, 16, 12}) * 200.0;  // HU
  request.uncertainty = torch::rand({2, 16, 12}) * 30.0;
  request.previews.clear();
  const auto output = write_study_output(request);
  ASSERT_EQ(output.dicom_files.size(), 4u);
  for (const auto& file : output.dicom_files) {
    // dciodvfy exits 1 on errors (warnings alone: 0).
    const int status = std::system(("dciodvfy '" + file.string() + "' > /dev/null 2>&1").c_str());
    EXPECT_EQ(status, 0) << file;
  }
  const auto spread = read_dicom_series(folder / "ct" / "dicom" / "002_std");
  EXPECT_EQ(spread.modality, "CT");
  EXPECT_LE((spread.data - request.uncertainty).abs().max().item<float>(), 0.5f + 1e-3f);
  EXPECT_TRUE(fs::is_regular_file(folder / "ct" / "preview.png"));  // the image's slices, tiled
}

TEST(StudyOutput, PreviewPanelsCarryTheirLabelsUnderneath) {
  ScratchFolder folder;
  auto request = request_in(folder / "labelled");
  request.previews = {{"A", request.image[0]}, {"a label much too long for a twelve pixel panel", request.image[1]},
                      {"none", torch::Tensor()}};
  write_study_output(request);
  const auto preview = read_image(folder / "labelled" / "preview.png").data;
  // Three 16 x 12 panels (2-pixel gaps), each over a caption strip of 7 + 6 rows (scale 1: the long
  // label does not fit at 2): 16 + 13 rows.
  ASSERT_EQ(preview.size(0), 29);
  ASSERT_EQ(preview.size(1), 3 * 12 + 2 * 2);
  EXPECT_GT(preview.narrow(0, 16, 13).narrow(1, 0, 12).sum().item<float>(), 0.0f);  // "A" was drawn
  EXPECT_EQ(preview.narrow(0, 0, 16).narrow(1, 28, 12).sum().item<float>(), 0.0f);  // the empty panel
}

TEST(StudyOutput, FailureLeavesNothingAndExistingFoldersAreKept) {
  ScratchFolder folder;
  auto request = request_in(folder / "study");
  request.uncertainty = torch::rand({2, 16, 12});  // wrong shape: refused before anything is written
  EXPECT_THROW(write_study_output(request), std::invalid_argument);
  EXPECT_FALSE(fs::exists(folder / "study"));
  request = request_in(folder / "study");
  request.image[0][0][0] = NAN;  // refused by the DICOM writer, after the folder was started
  EXPECT_THROW(write_study_output(request), std::invalid_argument);
  EXPECT_TRUE(fs::is_empty(folder.path())) << "temporary files left behind";
  fs::create_directory(folder / "taken");
  EXPECT_THROW(write_study_output(request_in(folder / "taken")), OutputExistsError);
  EXPECT_FALSE(is_complete_study_output(folder / "taken"));
}

}  // namespace
}  // namespace diffrecon
