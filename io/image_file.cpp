#include "io/image_file.h"

#include "core/tensor_math.h"
#include "io/output_space.h"

#ifdef DIFFRECON_HAS_ITK
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>
#include <zlib.h>
#endif

#include <algorithm>
#include <complex>
#include <cstring>
#include <string>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

#ifdef DIFFRECON_HAS_ITK
// Every tensor is read into and written from a 3-D ITK image: ITK reads 2-D files into 3-D images
// (depth 1), and one instantiation per pixel type keeps the code small. `dimension` remembers what
// the file really has.
constexpr unsigned kItkDimension = 3;

template <typename Pixel>
using ItkImage = itk::Image<Pixel, kItkDimension>;

itk::ImageIOBase::Pointer image_io_for_reading(const fs::path& path) {
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::FileModeEnum::ReadMode);
  if (!io)
    throw ImageFileError("cannot read image '" + path.string() +
                         "': not a format ITK recognises (expected .nii, .nii.gz, .mha, .mhd, .png, ...)");
  io->SetFileName(path.string());
  io->ReadImageInformation();
  return io;
}

// The bytes `path` holds once decompressed (gzip), or -1 when the stream ends early or is damaged.
int64_t gzip_content_bytes(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) return -1;
  std::vector<char> buffer(1 << 16);
  int64_t total = 0;
  int read = 0;
  while ((read = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) total += read;
  int code = Z_OK;
  gzerror(file, &code);
  gzclose(file);
  return read < 0 || (code != Z_OK && code != Z_STREAM_END) ? -1 : total;
}

// ITK reads a NIfTI file (.nii or .nii.gz) that is shorter than its header says without an error, the
// missing pixels left as whatever the buffer held: check the data's size against the header first.
void require_complete_pixel_data(const fs::path& path, const itk::ImageIOBase& io) {
  const auto name = path.filename().string();
  const bool gzip = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
  // NIfTI only: a MetaImage may hold compressed data of any size, PNG checks its own stream.
  if (name.find(".nii") == std::string::npos) return;
  const auto expected = static_cast<int64_t>(io.GetImageSizeInBytes()) + 352;  // the NIfTI-1 header + extender
  std::error_code error;
  const int64_t held = gzip ? gzip_content_bytes(path) : static_cast<int64_t>(fs::file_size(path, error));
  if (held < 0 || error)
    throw ImageFileError("image '" + path.string() + "' is damaged or truncated (its compressed stream ends early)");
  if (held < expected)
    throw ImageFileError("image '" + path.string() + "' holds " + std::to_string(held) + " bytes of data, but its header "
                         "declares " + std::to_string(expected) + " (truncated?)");
}

template <typename Pixel>
Image read_as(const fs::path& path, unsigned dimension, torch::ScalarType dtype) {
  auto reader = itk::ImageFileReader<ItkImage<Pixel>>::New();
  reader->SetFileName(path.string());
  reader->Update();
  auto image = reader->GetOutput();
  const auto size = image->GetLargestPossibleRegion().GetSize();
  std::vector<int64_t> shape;  // torch order: slowest axis first
  for (unsigned axis = dimension; axis-- > 0;) shape.push_back(static_cast<int64_t>(size[axis]));
  const int64_t count = static_cast<int64_t>(size[0] * size[1] * size[2]);
  auto data = torch::empty(shape, torch::TensorOptions().dtype(dtype));
  if (data.numel() != count)
    throw ImageFileError("image '" + path.string() + "' has more than " + std::to_string(dimension) +
                         " dimensions with more than one sample; expected a 2-D image or a 3-D volume");
  std::memcpy(data.data_ptr(), image->GetBufferPointer(), sizeof(Pixel) * static_cast<size_t>(count));

  ImageGeometry geometry;
  for (unsigned axis = 0; axis < dimension; ++axis) {
    geometry.spacing.push_back(image->GetSpacing()[axis]);
    geometry.origin.push_back(image->GetOrigin()[axis]);
  }
  for (unsigned row = 0; row < dimension; ++row)
    for (unsigned column = 0; column < dimension; ++column)
      geometry.direction.push_back(image->GetDirection()(row, column));
  return {data, geometry};
}

template <typename Pixel>
void write_as(const fs::path& path, const torch::Tensor& contiguous, const ImageGeometry& geometry) {
  const int dimension = static_cast<int>(contiguous.dim());
  typename ItkImage<Pixel>::SizeType size;
  size.Fill(1);
  typename ItkImage<Pixel>::SpacingType spacing;
  spacing.Fill(1.0);
  typename ItkImage<Pixel>::PointType origin;
  origin.Fill(0.0);
  typename ItkImage<Pixel>::DirectionType direction;
  direction.SetIdentity();
  for (int axis = 0; axis < dimension; ++axis) {
    size[axis] = static_cast<itk::SizeValueType>(contiguous.size(dimension - 1 - axis));
    spacing[axis] = geometry.spacing[axis];
    origin[axis] = geometry.origin[axis];
    for (int column = 0; column < dimension; ++column)
      direction(axis, column) = geometry.direction[axis * dimension + column];
  }
  auto image = ItkImage<Pixel>::New();
  image->SetRegions(typename ItkImage<Pixel>::RegionType(size));
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->Allocate();
  std::memcpy(image->GetBufferPointer(), contiguous.data_ptr(), sizeof(Pixel) * contiguous.numel());

  // A 2-D tensor goes out as a 2-D file: extract the single slice so the header says 2 dimensions.
  if (dimension == 2) {
    using Image2 = itk::Image<Pixel, 2>;
    auto flat = Image2::New();
    typename Image2::SizeType size2{{size[0], size[1]}};
    flat->SetRegions(typename Image2::RegionType(size2));
    typename Image2::SpacingType spacing2;
    spacing2[0] = spacing[0];
    spacing2[1] = spacing[1];
    typename Image2::PointType origin2;
    origin2[0] = origin[0];
    origin2[1] = origin[1];
    typename Image2::DirectionType direction2;
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 2; ++c) direction2(r, c) = direction(r, c);
    flat->SetSpacing(spacing2);
    flat->SetOrigin(origin2);
    flat->SetDirection(direction2);
    flat->Allocate();
    std::memcpy(flat->GetBufferPointer(), contiguous.data_ptr(), sizeof(Pixel) * contiguous.numel());
    auto writer = itk::ImageFileWriter<Image2>::New();
    writer->SetFileName(path.string());
    writer->SetInput(flat);
    writer->Update();
    return;
  }
  auto writer = itk::ImageFileWriter<ItkImage<Pixel>>::New();
  writer->SetFileName(path.string());
  writer->SetInput(image);
  writer->Update();
}

#else
[[noreturn]] void no_itk(const fs::path& path) {
  throw ImageFileError("cannot read or write '" + path.string() +
                       "': this DiffRecon was built without ITK (DIFFRECON_WITH_ITK=OFF)");
}
#endif

bool is_png(const fs::path& path) {
  auto extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), ::tolower);
  return extension == ".png";
}

void check_writable_tensor(const fs::path& path, const torch::Tensor& data) {
  if (!data.defined() || (data.dim() != 2 && data.dim() != 3))
    throw ImageFileError("cannot write '" + path.string() + "': expected a 2-D [H, W] or 3-D [D, H, W] image, got " +
                         (data.defined() ? std::to_string(data.dim()) + " dimensions" : "nothing"));
  if (!torch::isfinite(data).all().item<bool>())
    throw ImageFileError("cannot write '" + path.string() + "': the image contains NaN or infinite values");
}

}  // namespace

ImageGeometry ImageGeometry::identity(int dimension) {
  ImageGeometry geometry;
  geometry.spacing.assign(dimension, 1.0);
  geometry.origin.assign(dimension, 0.0);
  geometry.direction.assign(dimension * dimension, 0.0);
  for (int axis = 0; axis < dimension; ++axis) geometry.direction[axis * dimension + axis] = 1.0;
  return geometry;
}

Image read_image(const fs::path& path) {
  if (!fs::is_regular_file(path)) throw ImageFileError("image file '" + path.string() + "' does not exist");
#ifndef DIFFRECON_HAS_ITK
  no_itk(path);
#else
  try {
    auto io = image_io_for_reading(path);
    require_complete_pixel_data(path, *io);
    const unsigned dimension = io->GetNumberOfDimensions();
    if (dimension < 2 || dimension > 3)
      throw ImageFileError("image '" + path.string() + "' has " + std::to_string(dimension) +
                           " dimensions; expected a 2-D image or a 3-D volume");
    // MetaImage stores complex pixels as two-channel vectors (ElementNumberOfChannels = 2).
    const auto pixel = io->GetPixelType();
    const bool two_channel_vector = pixel == itk::IOPixelEnum::VECTOR && io->GetNumberOfComponents() == 2;
    if (pixel == itk::IOPixelEnum::COMPLEX || two_channel_vector)
      return read_as<std::complex<float>>(path, dimension, torch::kComplexFloat);
    return read_as<float>(path, dimension, torch::kFloat32);  // colour becomes luminance
  } catch (const itk::ExceptionObject& error) {
    throw ImageFileError("cannot read image '" + path.string() + "': " + error.GetDescription());
  }
#endif
}

void write_image(const fs::path& path, const torch::Tensor& data, const std::optional<ImageGeometry>& geometry,
                 Overwrite overwrite) {
  if (is_png(path)) {
    write_png(path, data, std::nullopt, overwrite);
    return;
  }
  check_writable_tensor(path, data);
  const int dimension = static_cast<int>(data.dim());
  const auto placed = geometry.value_or(ImageGeometry::identity(dimension));
  if (placed.dimension() != dimension ||
      placed.direction.size() != static_cast<size_t>(dimension * dimension) ||
      placed.origin.size() != static_cast<size_t>(dimension))
    throw ImageFileError("cannot write '" + path.string() + "': its geometry has " +
                         std::to_string(placed.dimension()) + " axes but the image has " + std::to_string(dimension));
#ifndef DIFFRECON_HAS_ITK
  no_itk(path);
#else
  AtomicOutput output(path, overwrite);
  // Uncompressed pixels and a header: a bound for .nii.gz too.
  const double bytes = double(data.numel()) * (data.is_complex() ? 8.0 : 4.0) + 65536.0;
  require_output_space(path, bytes, bytes);
  try {
    if (data.is_complex())
      write_as<std::complex<float>>(output.temporary_path(),
                                    data.detach().to(torch::kCPU, torch::kComplexFloat).contiguous(), placed);
    else
      write_as<float>(output.temporary_path(), data.detach().to(torch::kCPU, torch::kFloat32).contiguous(), placed);
  } catch (const itk::ExceptionObject& error) {
    throw ImageFileError("cannot write image '" + path.string() + "': " + error.GetDescription());
  }
  output.commit();
#endif
}

DisplayWindow DisplayWindow::from_percentile(const torch::Tensor& magnitude, double percentile) {
  const double high = magnitude_percentile(magnitude, percentile);
  return {0.0, high > 0 ? high : 1.0};
}

void write_png(const fs::path& path, const torch::Tensor& image, const std::optional<DisplayWindow>& window,
               Overwrite overwrite) {
  if (!image.defined() || image.dim() != 2)
    throw ImageFileError("cannot write PNG '" + path.string() + "': expected a 2-D [H, W] image");
  check_writable_tensor(path, image);
  auto magnitude = image.detach().to(torch::kCPU).abs().to(torch::kFloat64);
  const auto shown = window.value_or(DisplayWindow::from_percentile(magnitude));
  if (!(shown.high > shown.low))
    throw ImageFileError("cannot write PNG '" + path.string() + "': display window high must exceed low");
  auto grey = ((magnitude - shown.low) / (shown.high - shown.low) * 255.0).round().clamp(0, 255).to(torch::kUInt8)
                  .contiguous();
#ifndef DIFFRECON_HAS_ITK
  (void)grey;
  (void)overwrite;
  no_itk(path);
#else
  using Png = itk::Image<unsigned char, 2>;
  auto png = Png::New();
  Png::SizeType size{{static_cast<itk::SizeValueType>(grey.size(1)), static_cast<itk::SizeValueType>(grey.size(0))}};
  png->SetRegions(Png::RegionType(size));
  png->Allocate();
  std::memcpy(png->GetBufferPointer(), grey.data_ptr(), static_cast<size_t>(grey.numel()));
  AtomicOutput output(path, overwrite);
  const double bytes = double(grey.numel()) + 65536.0;  // uncompressed 8-bit pixels and a header: a bound
  require_output_space(path, bytes, bytes);
  try {
    auto writer = itk::ImageFileWriter<Png>::New();
    writer->SetFileName(output.temporary_path().string());
    writer->SetInput(png);
    writer->Update();
  } catch (const itk::ExceptionObject& error) {
    throw ImageFileError("cannot write PNG '" + path.string() + "': " + error.GetDescription());
  }
  output.commit();
#endif
}

torch::Tensor tile_images(const torch::Tensor& images, int64_t columns, int64_t gap) {
  if (!images.defined() || images.dim() != 3)
    throw std::invalid_argument("tile_images: expected images [N, H, W]");
  if (columns < 1 || gap < 0) throw std::invalid_argument("tile_images: columns must be >= 1 and gap >= 0");
  const int64_t count = images.size(0), height = images.size(1), width = images.size(2);
  columns = std::min(columns, std::max<int64_t>(count, 1));
  const int64_t rows = (count + columns - 1) / columns;
  auto sheet = torch::zeros({rows * height + (rows - 1) * gap, columns * width + (columns - 1) * gap}, images.options());
  for (int64_t index = 0; index < count; ++index) {
    const int64_t top = (index / columns) * (height + gap), left = (index % columns) * (width + gap);
    sheet.narrow(0, top, height).narrow(1, left, width).copy_(images[index]);
  }
  return sheet;
}

}  // namespace diffrecon
