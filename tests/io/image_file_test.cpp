#include "io/image_file.h"

#include "tests/scratch_folder.h"

#include <gtest/gtest.h>

#include <itkImage.h>
#include <itkImageFileWriter.h>
#include <itkVector.h>

#include <fstream>
#include <iterator>
#include <torch/torch.h>

namespace diffrecon {
namespace {

using diffrecon::testing::ScratchFolder;
namespace fs = std::filesystem;

const fs::path kItkExamples = "/usr/share/doc/insighttoolkit5-examples/examples/Data";

TEST(ImageFile, VolumeRoundTripKeepsValuesShapeAndGeometry) {
  ScratchFolder folder;
  auto volume = torch::rand({4, 5, 6});
  ImageGeometry geometry;
  geometry.spacing = {0.5, 0.75, 2.0};
  geometry.origin = {-10.0, 3.0, 7.5};
  geometry.direction = {0, 1, 0, 1, 0, 0, 0, 0, -1};  // a permuted, mirrored frame
  for (const auto* name : {"volume.nii.gz", "volume.mha"}) {
    write_image(folder / name, volume, geometry, Overwrite::Refuse);
    const auto image = read_image(folder / name);
    EXPECT_EQ(image.data.sizes(), volume.sizes()) << name;
    EXPECT_TRUE(torch::equal(image.data, volume)) << name;
    for (int axis = 0; axis < 3; ++axis) {
      EXPECT_NEAR(image.geometry.spacing[axis], geometry.spacing[axis], 1e-6) << name;
      EXPECT_NEAR(image.geometry.origin[axis], geometry.origin[axis], 1e-5) << name;
    }
    for (int entry = 0; entry < 9; ++entry)
      EXPECT_NEAR(image.geometry.direction[entry], geometry.direction[entry], 1e-6) << name;
  }
}

TEST(ImageFile, ComplexSliceRoundTrip) {
  ScratchFolder folder;
  auto slice = torch::randn({7, 9}, torch::kComplexFloat);
  write_image(folder / "slice.mha", slice, std::nullopt, Overwrite::Refuse);
  const auto image = read_image(folder / "slice.mha");
  EXPECT_EQ(image.data.scalar_type(), torch::kComplexFloat);
  EXPECT_EQ(image.geometry.dimension(), 2);
  EXPECT_TRUE(torch::equal(image.data, slice));
}

TEST(ImageFile, PngIsTheWindowedMagnitude) {
  ScratchFolder folder;
  auto ramp = torch::linspace(0, 2, 11).repeat({3, 1});  // window [0, 1]: half the ramp saturates
  write_png(folder / "ramp.png", ramp, DisplayWindow{0.0, 1.0}, Overwrite::Refuse);
  const auto grey = read_image(folder / "ramp.png").data;
  ASSERT_EQ(grey.sizes(), ramp.sizes());
  EXPECT_FLOAT_EQ(grey[0][0].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(grey[1][5].item<float>(), 255.0f);
  EXPECT_FLOAT_EQ(grey[2][10].item<float>(), 255.0f);
  EXPECT_NEAR(grey[0][2].item<float>(), 0.4 * 255, 0.51);
}

// Writes a 2-D image of two-component pixels through ITK (PNG: grey and alpha; NIfTI: a vector field).
template <typename Component>
void write_two_component_image(const fs::path& path, Component first, Component second) {
  using TwoComponentImage = itk::Image<itk::Vector<Component, 2>, 2>;
  auto image = TwoComponentImage::New();
  typename TwoComponentImage::SizeType size = {{5, 4}};
  image->SetRegions(size);
  image->Allocate();
  itk::Vector<Component, 2> pixel;
  pixel[0] = first;
  pixel[1] = second;
  image->FillBuffer(pixel);
  auto writer = itk::ImageFileWriter<TwoComponentImage>::New();
  writer->SetFileName(path.string());
  writer->SetInput(image);
  writer->Update();
}

// ITK converts grey+alpha to grey times alpha (200 x 128 = 25600), and the reader once took any two
// channels for a complex pixel: the grey channel is the image.
TEST(ImageFile, GreyAlphaPngReadsAsItsGrey) {
  ScratchFolder folder;
  write_two_component_image<unsigned char>(folder / "grey_alpha.png", 200, 128);
  const auto image = read_image(folder / "grey_alpha.png").data;
  EXPECT_EQ(image.scalar_type(), torch::kFloat32);
  ASSERT_EQ(image.sizes(), (std::vector<int64_t>{4, 5}));
  EXPECT_TRUE(torch::all(image == 200.0f).item<bool>());
}

TEST(ImageFile, VectorPixelsAreRefusedNamingTheFile) {
  ScratchFolder folder;
  write_two_component_image<float>(folder / "field.nii.gz", 1.5f, -2.0f);
  try {
    read_image(folder / "field.nii.gz");
    FAIL() << "a two-component vector NIfTI must not read as an image";
  } catch (const ImageFileError& error) {
    EXPECT_NE(std::string(error.what()).find("field.nii.gz"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("expected grey, RGB(A) or complex"), std::string::npos) << error.what();
  }
}

TEST(ImageFile, ReadsTheItkExampleBrainSlices) {
  const auto t1 = read_image(kItkExamples / "BrainT1Slice.png");
  EXPECT_EQ(t1.data.dim(), 2);
  EXPECT_GT(t1.data.max().item<float>(), 100.0f);
  const auto complex = read_image(kItkExamples / "itkBrainSliceComplex.mha");
  EXPECT_EQ(complex.data.scalar_type(), torch::kComplexFloat);
  EXPECT_EQ(complex.data.dim(), 2);
}

TEST(ImageFile, ErrorsNameTheFileAndLeaveNothingBehind) {
  ScratchFolder folder;
  try {
    read_image(folder / "missing.nii.gz");
    FAIL() << "reading a missing file must throw";
  } catch (const ImageFileError& error) {
    EXPECT_NE(std::string(error.what()).find("missing.nii.gz"), std::string::npos);
  }
  EXPECT_THROW(write_image(folder / "bad.nii.gz", torch::rand({2, 2, 2, 2}), std::nullopt, Overwrite::Refuse),
               ImageFileError);
  EXPECT_THROW(write_image(folder / "nan.nii.gz", torch::full({3, 3}, NAN), std::nullopt, Overwrite::Refuse),
               ImageFileError);
  EXPECT_TRUE(fs::is_empty(folder.path()));
}

// ITK itself reads a NIfTI file cut short without an error (the missing pixels are garbage).
TEST(ImageFile, TruncatedNiftiFilesAreRefused) {
  ScratchFolder folder;
  const auto image = torch::rand({40, 30});
  for (const std::string name : {"whole.nii", "whole.nii.gz"}) {
    write_image(folder / name, image, std::nullopt, Overwrite::Refuse);
    EXPECT_TRUE(torch::equal(read_image(folder / name).data.squeeze(), image)) << name;
    std::ifstream in(folder / name, std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    const auto cut = folder / ("cut-" + name);
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    try {
      read_image(cut);
      ADD_FAILURE() << "read a truncated " << name;
    } catch (const ImageFileError& error) {
      EXPECT_NE(std::string(error.what()).find("cut-" + name + "'"), std::string::npos) << error.what();
    }
  }
}

TEST(ImageFile, RefusesToOverwriteWithoutPermission) {
  ScratchFolder folder;
  write_image(folder / "a.nii", torch::zeros({2, 3}), std::nullopt, Overwrite::Refuse);
  EXPECT_THROW(write_image(folder / "a.nii", torch::ones({2, 3}), std::nullopt, Overwrite::Refuse), OutputExistsError);
  write_image(folder / "a.nii", torch::ones({2, 3}), std::nullopt, Overwrite::Allow);
  EXPECT_TRUE(torch::equal(read_image(folder / "a.nii").data, torch::ones({2, 3})));
}

TEST(ImageFile, TileImagesLaysOutAGrid) {
  auto images = torch::arange(1, 6).to(torch::kFloat32).view({5, 1, 1}).expand({5, 2, 3}).contiguous();
  const auto sheet = tile_images(images, 3, 1);
  EXPECT_EQ(sheet.sizes(), (std::vector<int64_t>{2 * 2 + 1, 3 * 3 + 2}));
  EXPECT_FLOAT_EQ(sheet[0][0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(sheet[0][4].item<float>(), 2.0f);
  EXPECT_FLOAT_EQ(sheet[3][4].item<float>(), 5.0f);
  EXPECT_FLOAT_EQ(sheet[3][8].item<float>(), 0.0f);  // the empty sixth cell
}

}  // namespace
}  // namespace diffrecon
