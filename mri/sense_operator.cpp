#include "mri/sense_operator.h"

#include "core/tensor_math.h"

#include <torch/fft.h>

namespace diffrecon::mri {
namespace {

const std::vector<int64_t> kImageDims{-2, -1};

torch::Tensor checked_sensitivities(const torch::Tensor& maps) {
  if (!maps.defined() || maps.dim() != 3)
    throw OperatorError("SenseOperator: coil sensitivities must be a [coils, H, W] tensor, got " +
                        (maps.defined() ? shape_to_string(maps.sizes()) : std::string("none")));
  if (!maps.is_complex() && !maps.is_floating_point())
    throw OperatorError("SenseOperator: coil sensitivities must be floating or complex");
  return maps.is_complex() ? maps : maps.to(complex_dtype_of(maps.scalar_type()));
}

Space image_space(const torch::Tensor& maps) {
  const auto checked = checked_sensitivities(maps);
  return {{checked.size(1), checked.size(2)}, Field::Complex};
}

torch::Tensor checked_mask(const torch::Tensor& mask, const torch::Tensor& maps) {
  const int64_t height = maps.size(1), width = maps.size(2);
  if (!mask.defined()) return torch::ones({height, width}, maps.options().dtype(real_dtype_of(maps.scalar_type())));
  if (mask.is_complex()) throw OperatorError("SenseOperator: the sampling mask must be real (0/1), got complex");
  auto values = mask.to(maps.device(), real_dtype_of(maps.scalar_type()));
  if (!values.eq(0).logical_or(values.eq(1)).all().item<bool>())
    throw OperatorError("SenseOperator: the sampling mask must hold only 0 and 1");
  // A mask may carry a coil dim of 1; one mask for all coils is what the model supports.
  while (values.dim() > 2 && values.size(0) == 1) values = values.squeeze(0);
  if (values.dim() > 2)
    throw OperatorError("SenseOperator: a mask of shape " + shape_to_string(mask.sizes()) +
                        " differs between coils; expected one broadcastable to [H, W] = [" +
                        std::to_string(height) + ", " + std::to_string(width) + "]");
  try {
    return values.expand({height, width}).contiguous();
  } catch (const c10::Error&) {
    throw OperatorError("SenseOperator: a mask of shape " + shape_to_string(mask.sizes()) +
                        " does not broadcast to the image shape [" + std::to_string(height) + ", " +
                        std::to_string(width) + "]");
  }
}

}  // namespace

SenseOperator::SenseOperator(torch::Tensor sensitivities, torch::Tensor mask)
    : LinearOperator("Sense", image_space(sensitivities), {checked_sensitivities(sensitivities).sizes().vec(), Field::Complex}),
      sensitivities_(checked_sensitivities(sensitivities)),
      mask_(checked_mask(mask, sensitivities_)) {
  shifted_sensitivities_ = torch::fft::ifftshift(sensitivities_, kImageDims).contiguous();
  shifted_mask_ = torch::fft::ifftshift(mask_, kImageDims).contiguous();
  fully_sampled_ = mask_.eq(1).all().item<bool>();
  // The axes the mask varies along; along any other axis the normal's FFT pair cancels.
  if (!fully_sampled_) {
    if (!mask_.eq(mask_.narrow(0, 0, 1)).all().item<bool>()) normal_fft_dims_.push_back(-2);
    if (!mask_.eq(mask_.narrow(1, 0, 1)).all().item<bool>()) normal_fft_dims_.push_back(-1);
  }
  // A constant mask m (all ones, or all zeros) makes the normal m S^H S.
  // Summed in double precision, so a double-precision input loses nothing to float maps.
  if (normal_fft_dims_.empty())
    constant_mask_normal_ = sensitivities_.to(torch::kComplexDouble).abs().square().sum(0) * mask_[0][0].item<double>();
}

torch::Tensor SenseOperator::matched(const torch::Tensor& t, const torch::Tensor& x) const {
  const auto dtype = t.is_complex() ? complex_dtype_of(real_dtype_of(x.scalar_type())) : real_dtype_of(x.scalar_type());
  return t.scalar_type() == dtype ? t : t.to(dtype);
}

torch::Tensor SenseOperator::apply_forward(const torch::Tensor& x) const {
  auto coil_images = x.unsqueeze(-3) * matched(sensitivities_, x);
  auto kspace = torch::fft::fftshift(
      torch::fft::fftn(torch::fft::ifftshift(coil_images, kImageDims), c10::nullopt, kImageDims, "ortho"), kImageDims);
  return fully_sampled_ ? kspace : kspace * matched(mask_, x);
}

torch::Tensor SenseOperator::apply_adjoint(const torch::Tensor& y) const {
  auto masked = fully_sampled_ ? y : y * matched(mask_, y);
  auto coil_images = torch::fft::fftshift(
      torch::fft::ifftn(torch::fft::ifftshift(masked, kImageDims), c10::nullopt, kImageDims, "ortho"), kImageDims);
  return (coil_images * matched(sensitivities_, y).conj()).sum(-3);
}

torch::Tensor SenseOperator::apply_normal(const torch::Tensor& x) const {
  if (normal_fft_dims_.empty()) return x * matched(constant_mask_normal_, x);
  const auto maps = matched(shifted_sensitivities_, x);
  auto coil_images = torch::fft::ifftshift(x, kImageDims).unsqueeze(-3) * maps;
  // Unnormalised forward and "backward"-normalised inverse: one 1/N scaling instead of two 1/sqrt(N).
  auto kspace = torch::fft::fftn(coil_images, c10::nullopt, normal_fft_dims_);
  kspace = kspace * matched(shifted_mask_, x);
  auto back = torch::fft::ifftn(kspace, c10::nullopt, normal_fft_dims_);
  return torch::fft::fftshift((back * maps.conj()).sum(-3), kImageDims);
}

}  // namespace diffrecon::mri
