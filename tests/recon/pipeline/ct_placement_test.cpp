// One placement of a CT grid in patient space for every output: an image file (NIfTI through ITK,
// whose physical space is LPS) and the DICOM study of the same reconstruction, both read back
// through ITK, put each pixel at the same patient point - the point ct::patient_placement names
// (row i at LPS y = -y_of_row(i): the image's top is anterior). Before this rule the NIfTI file
// put row i at +y_of_row(i), mirrored front to back against the DICOM series.
#include "ct/patient_placement.h"
#include "recon/pipeline/ct_files.h"
#include "recon/pipeline/study_output.h"
#include "tests/scratch_folder.h"

#include <gtest/gtest.h>
#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageSeriesReader.h>

namespace diffrecon {
namespace {

using testing::ScratchFolder;

TEST(CtPlacement, ImageFileAndDicomSeriesAgreeOnEveryPixelsPatientPoint) {
  ScratchFolder folder;
  ct::ImageGrid grid;
  grid.rows = 6;
  grid.columns = 8;
  grid.pixel_size_mm = 1.5;
  grid.centre_x_mm = 3.0;
  grid.centre_y_mm = -2.0;
  auto image = torch::full({6, 8}, -1000.0f);
  image[1][2] = 1000.0f;  // one marked pixel: row 1, column 2
  write_ct_array((folder / "image.nii.gz").string(), image, ct_image_file_geometry(grid), Overwrite::Refuse);

  StudyOutputRequest request;
  request.folder = folder / "study";
  request.modality = DicomModality::CT;
  request.image = image;
  const auto placement = ct::patient_placement(grid, 2.0);
  request.geometry.spacing = placement.spacing;
  request.geometry.origin = placement.origin;
  request.geometry.direction = placement.direction;
  request.record.command = "ct";
  request.record.method = "fbp";
  write_study_output(request);

  auto file_reader = itk::ImageFileReader<itk::Image<float, 2>>::New();
  file_reader->SetFileName((folder / "image.nii.gz").string());
  file_reader->Update();
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetDirectory((folder / "study" / "dicom" / "001_image").string());
  auto series_reader = itk::ImageSeriesReader<itk::Image<float, 3>>::New();
  series_reader->SetImageIO(itk::GDCMImageIO::New());
  series_reader->SetFileNames(names->GetFileNames(names->GetSeriesUIDs().front()));
  series_reader->Update();
  const auto file = file_reader->GetOutput();
  const auto dicom = series_reader->GetOutput();

  for (int64_t row = 0; row < grid.rows; ++row) {
    for (int64_t column = 0; column < grid.columns; ++column) {
      itk::Image<float, 2>::IndexType file_index{{column, row}};
      itk::Image<float, 3>::IndexType dicom_index{{column, row, 0}};
      itk::Point<double, 2> in_file;
      itk::Point<double, 3> in_dicom;
      file->TransformIndexToPhysicalPoint(file_index, in_file);
      dicom->TransformIndexToPhysicalPoint(dicom_index, in_dicom);
      ASSERT_NEAR(in_file[0], in_dicom[0], 1e-3) << "row " << row << " column " << column;
      ASSERT_NEAR(in_file[1], in_dicom[1], 1e-3) << "row " << row << " column " << column;
      ASSERT_NEAR(in_file[0], grid.x_of_column(double(column)), 1e-3);
      ASSERT_NEAR(in_file[1], -grid.y_of_row(double(row)), 1e-3);
      // The same value at the same point in both.
      ASSERT_NEAR(file->GetPixel(file_index), dicom->GetPixel(dicom_index), 0.5);
    }
  }
  EXPECT_NEAR(file->GetPixel({{2, 1}}), 1000.0, 0.5);
  // Anterior (LPS -y) is up: row 0 is the most anterior row.
  itk::Point<double, 2> top, bottom;
  file->TransformIndexToPhysicalPoint({{0, 0}}, top);
  file->TransformIndexToPhysicalPoint({{0, 5}}, bottom);
  EXPECT_LT(top[1], bottom[1]);
}

}  // namespace
}  // namespace diffrecon
