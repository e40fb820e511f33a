#include "io/image_file.h"

#include "core/tensor_math.h"
#include "io/metaimage_reader.h"
#include "io/output_space.h"

#ifdef DIFFRECON_HAS_ITK
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>
#include <png.h>
#include <zlib.h>
#endif

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <tuple>

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

void on_png_error(png_structp png, png_const_charp message) {
  *static_cast<std::string*>(png_get_error_ptr(png)) = message;
  png_longjmp(png, 1);
}
void on_png_warning(png_structp, png_const_charp) {}

// ITK 5.2's PNG reader installs no libpng error handler, so libpng's default one ends the process
// (abort()) on a damaged or truncated PNG. Any file that starts with the PNG signature, whatever its
// name, is therefore decoded once here first with libpng's errors caught (setjmp, as libpng's manual
// prescribes), row by row into one row's buffer, and refused with libpng's message.
void require_intact_png(const fs::path& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return;  // ITK reports it
  png_byte signature[8] = {};
  if (std::fread(signature, 1, sizeof signature, file) != sizeof signature || png_sig_cmp(signature, 0, sizeof signature) != 0) {
    std::fclose(file);
    return;
  }
  std::string message = "unknown error";
  std::vector<png_byte> row;  // before setjmp: a longjmp must not skip a destructor
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &message, on_png_error, on_png_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_read_struct(png ? &png : nullptr, nullptr, nullptr);
    std::fclose(file);
    throw ImageFileError("cannot read image '" + path.string() + "': libpng could not start");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(file);
    throw ImageFileError("image '" + path.string() + "' is a damaged or truncated PNG (libpng: " + message + ")");
  }
  png_init_io(png, file);
  png_set_sig_bytes(png, sizeof signature);
  png_read_info(png, info);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  row.resize(png_get_rowbytes(png, info));
  const png_uint_32 height = png_get_image_height(png, info);
  for (int pass = 0; pass < passes; ++pass)
    for (png_uint_32 y = 0; y < height; ++y) png_read_row(png, row.data(), nullptr);
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(file);
}

// The first `count` bytes of a file, gunzipped when its name ends in .gz (fewer if it is shorter).
std::string first_bytes(const fs::path& path, size_t count, bool gzip) {
  std::string bytes(count, '\0');
  if (gzip) {
    gzFile file = gzopen(path.c_str(), "rb");
    const int read = file ? gzread(file, bytes.data(), static_cast<unsigned>(count)) : -1;
    if (file) gzclose(file);
    bytes.resize(read > 0 ? static_cast<size_t>(read) : 0);
  } else {
    std::ifstream in(path, std::ios::binary);
    in.read(bytes.data(), static_cast<std::streamsize>(count));
    bytes.resize(static_cast<size_t>(in.gcount()));
  }
  return bytes;
}

// The NIfTI-1 header (nifti1.h) checked before ITK's reader sees it: that reader also takes Analyze
// 7.5 headers (no magic), and heap corruption inside it followed malformed ones (found by
// tests/fuzz/image_file_fuzzer). Only a NIfTI-1 single file ("n+1") with 1 to 7 dimensions of
// positive sizes, a known data type whose bit count matches, finite spacings and orientation, and its
// data after the header passes.
void require_plain_nifti_header(const fs::path& path) {
  const auto name = path.filename().string();
  const auto ends_with = [&](const std::string& tail) {
    return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (ends_with(".hdr") || ends_with(".img") || ends_with(".hdr.gz") || ends_with(".img.gz"))
    throw ImageFileError("image '" + path.string() + "' is an Analyze 7.5 or NIfTI pair; expected a .nii or .nii.gz file");
  const bool gzip = ends_with(".nii.gz");
  if (!ends_with(".nii") && !gzip) return;
  const auto refuse = [&](const std::string& why) {
    throw ImageFileError("NIfTI image '" + path.string() + "': " + why + " (expected a NIfTI-1 .nii header)");
  };
  const auto header = first_bytes(path, 348, gzip);
  if (header.size() < 348) refuse("shorter than the 348-byte header");
  const auto int32_at = [&](size_t at, bool swap) {
    uint32_t v;
    std::memcpy(&v, header.data() + at, 4);
    return static_cast<int32_t>(swap ? __builtin_bswap32(v) : v);
  };
  const auto int16_at = [&](size_t at, bool swap) {
    uint16_t v;
    std::memcpy(&v, header.data() + at, 2);
    return static_cast<int16_t>(swap ? __builtin_bswap16(v) : v);
  };
  const bool swap = int32_at(0, false) != 348;
  if (int32_at(0, swap) != 348) refuse("sizeof_hdr is not 348");
  if (std::memcmp(header.data() + 344, "n+1\0", 4) != 0)
    refuse("no 'n+1' magic (an Analyze 7.5 header, or a NIfTI pair header)");
  const int dims = int16_at(40, swap);
  if (dims < 1 || dims > 7) refuse("dim[0] is " + std::to_string(dims) + ", not 1 to 7");
  for (int axis = 1; axis <= dims; ++axis)
    if (int16_at(40 + 2 * axis, swap) < 1) refuse("dim[" + std::to_string(axis) + "] is not positive");
  static const std::map<int, int> bits_of{{2, 8},   {4, 16},  {8, 32},   {16, 32},  {32, 64},  {64, 64},
                                          {256, 8}, {512, 16}, {768, 32}, {1024, 64}, {1280, 64}, {1792, 128}};
  const auto type = bits_of.find(int16_at(70, swap));
  if (type == bits_of.end()) refuse("data type " + std::to_string(int16_at(70, swap)) + " is not a scalar or complex type");
  if (int16_at(72, swap) != type->second) refuse("bitpix does not match its data type");
  float offset;
  uint32_t offset_bits;
  std::memcpy(&offset_bits, header.data() + 108, 4);
  if (swap) offset_bits = __builtin_bswap32(offset_bits);
  std::memcpy(&offset, &offset_bits, 4);
  if (!(offset >= 352 && offset < 1e9)) refuse("vox_offset is not 352 or more");
  // ITK takes the orientation from these with an SVD that aborts the process on NaN or infinity and
  // never returns on values near the float range: pixdim[0..7], the quaternion, its offsets and the
  // srow rows must be finite and at most 1e6 (mm); scl_slope and scl_inter finite.
  for (const auto& [first, last, bound] : {std::tuple{76, 108, 1e6}, std::tuple{112, 124, 3e38}, std::tuple{256, 328, 1e6}})
    for (int at = first; at < last; at += 4) {
      uint32_t bits;
      std::memcpy(&bits, header.data() + at, 4);
      if (swap) bits = __builtin_bswap32(bits);
      float value;
      std::memcpy(&value, &bits, 4);
      if (!std::isfinite(value) || std::abs(value) > bound)
        refuse("value " + std::to_string(value) + " at byte " + std::to_string(at) + " of the header is not finite or beyond " +
               (bound > 1e7 ? std::string("the float range") : std::string("1e6")));
    }
}

itk::ImageIOBase::Pointer image_io_for_reading(const fs::path& path) {
  require_intact_png(path);
  require_plain_nifti_header(path);
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
  // NIfTI only: MetaImage never reaches ITK (io/metaimage_reader.h), PNG was decoded whole first.
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

Image read_image(const fs::path& path, const MemoryBudget& budget) {
  if (!fs::is_regular_file(path)) throw ImageFileError("image file '" + path.string() + "' does not exist");
  if (is_metaimage(path)) return read_metaimage(path, budget);
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
    // The pixels as read (float or complex float, as a double so that the header's sizes cannot overflow).
    double bytes = 8.0 * io->GetNumberOfComponents();
    for (unsigned axis = 0; axis < dimension; ++axis) bytes *= static_cast<double>(io->GetDimensions(axis));
    budget.require(bytes, "image '" + path.string() + "'");
    // Complex pixels stay complex; RGB(A) becomes luminance (ITK's conversion). Two channels of a PNG are
    // grey and alpha: the grey is the image (ITK's own conversion would multiply it by the alpha). Other
    // vectors (a NIfTI displacement field, say) are not an image this tool reconstructs or compares.
    const auto pixel = io->GetPixelType();
    const auto components = io->GetNumberOfComponents();
    if (pixel == itk::IOPixelEnum::COMPLEX) return read_as<std::complex<float>>(path, dimension, torch::kComplexFloat);
    if (is_png(path) && components == 2) {
      auto grey_alpha = read_as<std::complex<float>>(path, dimension, torch::kComplexFloat);  // real: grey, imag: alpha
      grey_alpha.data = torch::real(grey_alpha.data).contiguous();
      return grey_alpha;
    }
    if (components != 1 && pixel != itk::IOPixelEnum::RGB && pixel != itk::IOPixelEnum::RGBA)
      throw ImageFileError("image '" + path.string() + "' has pixels of " + std::to_string(components) + " " +
                           itk::ImageIOBase::GetPixelTypeAsString(pixel) +
                           " components; expected grey, RGB(A) or complex pixels");
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
