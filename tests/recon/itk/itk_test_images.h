// ITK images made from tensors (the inverse of recon/itk/image_tensors.h, written independently), a
// placement that is not the identity, and the message of an expected exception, for the filter tests.
#pragma once

#include "recon/itk/reconstruction_exception.h"

#include "itkImage.h"
#include "itkVectorImage.h"

#include <ATen/Parallel.h>
#include <torch/types.h>

#include <complex>
#include <cstring>

namespace diffrecon::testing {

// LibTorch's thread count for a scope: the library call a filter is compared with runs on as many
// threads as the filter (reductions split by thread count change the last bits).
class TorchThreads {
 public:
  explicit TorchThreads(int threads) : previous_(at::get_num_threads()) { at::set_num_threads(threads); }
  ~TorchThreads() { at::set_num_threads(previous_); }

 private:
  int previous_;
};

// Spacing 0.9, 1.3(, 2.5), origin (-10, 4(, 7)), a rotation about z by 30 degrees.
template <typename TImage> void place_obliquely(TImage& image) {
  auto spacing = image.GetSpacing();
  auto origin = image.GetOrigin();
  const double s[] = {0.9, 1.3, 2.5}, o[] = {-10.0, 4.0, 7.0};
  for (unsigned d = 0; d < TImage::ImageDimension; ++d) {
    spacing[d] = s[d];
    origin[d] = o[d];
  }
  auto direction = image.GetDirection();
  direction.SetIdentity();
  const double c = std::cos(M_PI / 6), n = std::sin(M_PI / 6);
  direction[0][0] = c, direction[0][1] = -n, direction[1][0] = n, direction[1][1] = c;
  image.SetSpacing(spacing);
  image.SetOrigin(origin);
  image.SetDirection(direction);
}

// A scalar image from [H, W] or [D, H, W].
template <typename TImage> typename TImage::Pointer scalar_image(const torch::Tensor& values) {
  using Pixel = typename TImage::PixelType;
  constexpr unsigned dimension = TImage::ImageDimension;
  auto image = TImage::New();
  typename TImage::SizeType size;
  for (unsigned d = 0; d < dimension; ++d) size[d] = values.size(values.dim() - 1 - d);
  image->SetRegions(size);
  image->Allocate();
  const auto dtype = std::is_same_v<Pixel, float> ? torch::kFloat : torch::kComplexFloat;
  const auto contiguous = values.to(dtype).contiguous();
  std::memcpy(image->GetBufferPointer(), contiguous.data_ptr(), sizeof(Pixel) * contiguous.numel());
  return image;
}

// A coil image from [C, H, W] (2-D) or [B, C, H, W] (3-D).
template <unsigned Dimension>
typename itk::VectorImage<std::complex<float>, Dimension>::Pointer coil_image(const torch::Tensor& channels) {
  using Image = itk::VectorImage<std::complex<float>, Dimension>;
  const auto stack = Dimension == 2 ? channels.unsqueeze(0) : channels;  // [B, C, H, W]
  auto image = Image::New();
  typename Image::SizeType size;
  size[0] = stack.size(3);
  size[1] = stack.size(2);
  if constexpr (Dimension == 3) size[2] = stack.size(0);
  image->SetRegions(size);
  image->SetNumberOfComponentsPerPixel(stack.size(1));
  image->Allocate();
  const auto pixels = stack.permute({0, 2, 3, 1}).to(torch::kComplexFloat).contiguous();  // [B, H, W, C]
  std::memcpy(image->GetBufferPointer(), pixels.data_ptr(), sizeof(std::complex<float>) * pixels.numel());
  return image;
}

// [H, W] or [D, H, W] from the buffered region.
template <typename TImage> torch::Tensor tensor_of(const TImage& image) {
  using Pixel = typename TImage::PixelType;
  const auto size = image.GetBufferedRegion().GetSize();
  std::vector<int64_t> shape;
  for (unsigned d = TImage::ImageDimension; d-- > 0;) shape.push_back(int64_t(size[d]));
  const auto dtype = std::is_same_v<Pixel, float> ? torch::kFloat : torch::kComplexFloat;
  return torch::from_blob(const_cast<Pixel*>(image.GetBufferPointer()), shape, torch::TensorOptions().dtype(dtype)).clone();
}

// The description of the InvalidReconstructionInputException `body` throws; another ITK exception
// or none is reported as such, so the message check fails naming what happened.
template <typename Body> std::string itk_error_of(Body&& body) {
  try {
    body();
  } catch (const InvalidReconstructionInputException& error) {
    return error.GetDescription();
  } catch (const itk::ExceptionObject& error) {
    return std::string("(another itk::ExceptionObject) ") + error.GetDescription();
  }
  return "(no exception)";
}

}  // namespace diffrecon::testing
