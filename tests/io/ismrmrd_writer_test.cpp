// What the ISMRMRD writer stores reads back through read_ismrmrd: k-space of the sampled lines, the
// mask, calibration flags, the noise scan, subject/study information and the slice geometry.
#include "io/ismrmrd_geometry.h"
#include "io/ismrmrd_writer.h"

#include "tests/scratch_folder.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace diffrecon {
namespace {

using diffrecon::testing::ScratchFolder;

TEST(IsmrmrdWriter, RoundTripsThroughTheReader) {
  ScratchFolder folder;
  IsmrmrdAcquisition a;
  a.kspace = torch::randn({3, 10, 8}, torch::kComplexFloat);
  auto mask = torch::zeros({10, 8});
  mask.index_put_({torch::indexing::Slice(), torch::tensor({0, 3, 4, 6})}, 1.0);
  a.kspace = a.kspace * mask;
  a.mask = mask;
  a.fov_mm = {200.0, 160.0, 4.0};
  a.calibration_lines = 2;  // lines 3 and 4 (centre 4)
  a.metadata.patient_name = "Doe^John";
  a.metadata.study_instance_uid = "1.2.3.4";
  a.metadata.study_date = "2024-05-01";
  a.metadata.position = {10.0f, -5.0f, 30.0f};
  a.metadata.read_direction = {0.0f, 1.0f, 0.0f};
  a.metadata.phase_direction = {1.0f, 0.0f, 0.0f};
  a.metadata.slice_direction = {0.0f, 0.0f, 1.0f};
  IsmrmrdReadOptions options;
  write_ismrmrd(folder / "a.h5", a, Overwrite::Refuse);
  EXPECT_THROW(write_ismrmrd(folder / "a.h5", a, Overwrite::Refuse), OutputExistsError);
  const auto scan = read_ismrmrd(folder / "a.h5", options);
  EXPECT_TRUE(torch::equal(scan.kspace[0], a.kspace));
  EXPECT_TRUE(torch::equal(scan.mask[0], mask));
  EXPECT_EQ(scan.imaging_lines, 4);
  EXPECT_EQ(scan.calibration_lines, 2);
  EXPECT_EQ(scan.metadata.patient_name, "Doe^John");
  EXPECT_EQ(scan.metadata.study_instance_uid, "1.2.3.4");
  const auto g = volume_geometry_of(scan.encoding, scan.metadata, 10, 8);
  EXPECT_DOUBLE_EQ(g.spacing[0], 20.0);  // phase: 160 mm / 8
  EXPECT_DOUBLE_EQ(g.spacing[1], 20.0);  // readout: 200 mm / 10
  EXPECT_DOUBLE_EQ(g.spacing[2], 4.0);
  // The slice centre (pixel H/2, W/2) sits at the acquisition's position.
  EXPECT_NEAR(g.origin[0] + 4 * g.spacing[0], 10.0, 1e-5);
  EXPECT_NEAR(g.origin[1] + 5 * g.spacing[1], -5.0, 1e-5);
  EXPECT_NEAR(g.origin[2], 30.0, 1e-5);
}

}  // namespace
}  // namespace diffrecon
