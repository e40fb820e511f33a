// Image quality metrics for reconstructions against a reference, as used in the literature and by
// scikit-image: PSNR, NRMSE and SSIM (Wang et al. 2004). Complex images are compared by magnitude
// (the clinical convention for MRI); pass the same kind of image for both arguments.
#pragma once

#include <torch/types.h>

namespace diffrecon {

// 10 log10(data_range^2 / MSE). data_range <= 0 uses the reference's dynamic range (max - min),
// as scikit-image does for float images.
double psnr(const torch::Tensor& image, const torch::Tensor& reference, double data_range = 0.0);

// The real factor c minimising ||c image - reference|| (<image, reference> / ||image||^2; 0 for a zero
// image; complex images by magnitude): reconstructions come in arbitrary units, so they are compared
// after this scale.
double least_squares_scale(const torch::Tensor& image, const torch::Tensor& reference);

// ||image - reference|| / ||reference||.
double nrmse(const torch::Tensor& image, const torch::Tensor& reference);

// Mean SSIM over the image with a Gaussian window (sigma 1.5, 11x11), K1 = 0.01, K2 = 0.03, on
// the last two dims (leading dims are averaged). data_range as for psnr.
double ssim(const torch::Tensor& image, const torch::Tensor& reference, double data_range = 0.0);

}  // namespace diffrecon
