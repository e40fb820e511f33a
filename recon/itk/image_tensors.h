// Internal to recon/itk's sources (it includes LibTorch): copies between ITK images and the
// tensors the pipeline takes. ITK's index order is reversed in a tensor ([z, y, x]), as everywhere
// in DiffRecon (io/image_file.h); a VectorImage's components (MRI coils) become the channel
// dimension of [B, C, H, W].
#pragma once

#include "io/image_file.h"

#include "itkImage.h"
#include "itkVectorImage.h"

#include <torch/types.h>

#include <complex>
#include <string>

namespace diffrecon::itk_tensors {

template <typename Pixel> constexpr torch::ScalarType scalar_type_of() {
  if constexpr (std::is_same_v<Pixel, std::complex<float>>) return torch::kComplexFloat;
  else return torch::kFloat;
}

// [H, W] (2-D) or [D, H, W] (3-D), a copy of the buffered region.
template <typename TImage> torch::Tensor to_tensor(const TImage& image) {
  constexpr unsigned dimension = TImage::ImageDimension;
  const auto size = image.GetBufferedRegion().GetSize();
  std::vector<int64_t> shape;
  for (unsigned d = dimension; d-- > 0;) shape.push_back(static_cast<int64_t>(size[d]));
  using Pixel = typename TImage::PixelType;
  auto* buffer = const_cast<Pixel*>(image.GetBufferPointer());
  return torch::from_blob(buffer, shape, torch::TensorOptions().dtype(scalar_type_of<Pixel>())).clone();
}

// [B, C, H, W] from a 2-D (B = 1) or 3-D (B = slices) vector image with C components.
template <unsigned Dimension> torch::Tensor to_channel_tensor(const itk::VectorImage<std::complex<float>, Dimension>& image) {
  const auto size = image.GetBufferedRegion().GetSize();
  const int64_t channels = image.GetNumberOfComponentsPerPixel();
  const int64_t width = size[0], height = size[1], slices = Dimension == 3 ? int64_t(size[2]) : 1;
  auto* buffer = const_cast<std::complex<float>*>(image.GetBufferPointer());
  auto pixels = torch::from_blob(buffer, {slices, height, width, channels}, torch::TensorOptions().dtype(torch::kComplexFloat));
  return pixels.permute({0, 3, 1, 2}).contiguous();
}

// A 2-D image as a stack of one slice, [1, H, W]; a 3-D image as it is, [D, H, W].
template <typename TImage> torch::Tensor to_stack(const TImage& image) {
  auto values = to_tensor(image);
  return TImage::ImageDimension == 2 ? values.unsqueeze(0) : values;
}

// The inverse: what a TImage holds of a [S, H, W] stack (its one slice for a 2-D image; an undefined
// tensor stays undefined).
template <typename TImage> torch::Tensor slice_or_stack(const torch::Tensor& stack) {
  return TImage::ImageDimension == 2 && stack.defined() ? stack[0] : stack;
}

// The image's placement as ImageGeometry (ITK axis order, row-major direction).
template <typename TImage> ImageGeometry geometry_of(const TImage& image) {
  constexpr unsigned dimension = TImage::ImageDimension;
  ImageGeometry geometry;
  for (unsigned d = 0; d < dimension; ++d) {
    geometry.spacing.push_back(image.GetSpacing()[d]);
    geometry.origin.push_back(image.GetOrigin()[d]);
  }
  for (unsigned r = 0; r < dimension; ++r)
    for (unsigned c = 0; c < dimension; ++c) geometry.direction.push_back(image.GetDirection()[r][c]);
  return geometry;
}

// Places `image` by `geometry` (of at most the image's dimension; the remaining axes keep their
// values).
template <typename TImage> void set_geometry(TImage& image, const ImageGeometry& geometry) {
  constexpr unsigned dimension = TImage::ImageDimension;
  auto spacing = image.GetSpacing();
  auto origin = image.GetOrigin();
  auto direction = image.GetDirection();
  const unsigned n = std::min<unsigned>(dimension, geometry.dimension());
  for (unsigned d = 0; d < n; ++d) {
    spacing[d] = geometry.spacing[d];
    origin[d] = geometry.origin[d];
    for (unsigned c = 0; c < n; ++c) direction[d][c] = geometry.direction[d * n + c];
  }
  image.SetSpacing(spacing);
  image.SetOrigin(origin);
  image.SetDirection(direction);
}

// Allocates `image` over its largest possible region and copies `values` in ([H, W] or [D, H, W],
// converted to the pixel type: a float image of complex values takes their magnitude).
template <typename TImage> void fill_from(TImage& image, const torch::Tensor& values) {
  using Pixel = typename TImage::PixelType;
  image.SetBufferedRegion(image.GetLargestPossibleRegion());
  image.Allocate();
  auto converted = values.to(torch::kCPU);
  if constexpr (std::is_same_v<Pixel, float>) {
    if (converted.is_complex()) converted = converted.abs();
  }
  converted = converted.to(scalar_type_of<Pixel>()).contiguous();
  const auto pixels = static_cast<int64_t>(image.GetLargestPossibleRegion().GetNumberOfPixels());
  TORCH_CHECK(converted.numel() == pixels, "fill_from: ", converted.numel(), " values for ", pixels, " pixels");
  std::memcpy(image.GetBufferPointer(), converted.data_ptr(), sizeof(Pixel) * pixels);
}

// "128 x 96 x 4" (ITK order), for messages.
template <typename TImage> std::string size_text(const TImage& image) {
  const auto size = image.GetLargestPossibleRegion().GetSize();
  std::string text;
  for (unsigned d = 0; d < TImage::ImageDimension; ++d) text += (d ? " x " : "") + std::to_string(size[d]);
  return text;
}

}  // namespace diffrecon::itk_tensors
