#include "mri/coil_sensitivities.h"

#include "mri/sampling_mask.h"
#include "core/tensor_math.h"

#include <torch/fft.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::mri {
namespace {

using torch::indexing::Slice;

const std::vector<int64_t> kImageDims{-2, -1};

void check_kspace(const torch::Tensor& kspace, const char* who) {
  if (!kspace.defined() || kspace.dim() != 3 || !kspace.is_complex())
    throw std::invalid_argument(std::string(who) + ": expected complex multi-coil k-space [coils, H, W], got " +
                                (kspace.defined() ? c10::str(kspace.sizes(), " ", kspace.scalar_type())
                                                  : std::string("none")));
}

// [first, last) of a centred block, around index size/2 (the DC sample).
Slice centred(int64_t size, int64_t count) {
  const int64_t first = size / 2 - count / 2;
  return Slice(first, first + count);
}

torch::Tensor centred_ifft2(const torch::Tensor& k) {
  return torch::fft::fftshift(torch::fft::ifftn(torch::fft::ifftshift(k, kImageDims), c10::nullopt, kImageDims, "ortho"),
                              kImageDims);
}

}  // namespace

CalibrationRegion fully_sampled_centre(const torch::Tensor& kspace, int64_t requested) {
  check_kspace(kspace, "calibration region");
  const auto mask = mask_from_kspace(kspace).to(torch::kCPU);
  const int64_t height = kspace.size(1), width = kspace.size(2);
  const int64_t max_height = std::min(requested, height), max_width = std::min(requested, width);
  auto full = [&](int64_t h, int64_t w) {
    return mask.index({centred(height, h), centred(width, w)}).eq(1).all().item<bool>();
  };
  // Grow a centred block from the DC sample, one line at a time in each direction, while it stays
  // fully sampled.
  CalibrationRegion region{0, 0};
  if (max_height < 1 || max_width < 1 || !full(1, 1)) return region;
  region = {1, 1};
  for (bool grew = true; grew;) {
    grew = false;
    if (region.width < max_width && full(region.height, region.width + 1)) {
      ++region.width;
      grew = true;
    }
    if (region.height < max_height && full(region.height + 1, region.width)) {
      ++region.height;
      grew = true;
    }
  }
  return region;
}

EspiritResult espirit(const torch::Tensor& kspace, const EspiritOptions& options) {
  check_kspace(kspace, "ESPIRiT");
  const int64_t coils = kspace.size(0), height = kspace.size(1), width = kspace.size(2);
  const int64_t k = options.kernel_size;
  if (k < 1 || 2 * k - 1 > std::min(height, width))
    throw std::invalid_argument("ESPIRiT: kernel size " + std::to_string(k) + " does not fit the image " +
                                std::to_string(height) + " x " + std::to_string(width));
  EspiritResult result;
  result.calibration = fully_sampled_centre(kspace, options.calibration_size);
  const auto& region = result.calibration;
  if (region.height < k + 1 || region.width < k + 1)
    throw std::invalid_argument("ESPIRiT: the fully sampled centre of k-space is only " + std::to_string(region.height) +
                                " x " + std::to_string(region.width) + ", too small for kernel size " +
                                std::to_string(k) + " (is there an ACS region?)");

  // 1. Calibration matrix (double precision: the small singular values decide the null space).
  const auto calibration = kspace.index({Slice(), centred(height, region.height), centred(width, region.width)})
                               .to(torch::kCPU, torch::kComplexDouble);
  const auto patches = calibration.unfold(1, k, 1).unfold(2, k, 1);  // [C, ph, pw, k, k]
  const auto matrix = patches.permute({1, 2, 0, 3, 4}).reshape({-1, coils * k * k});

  // 2. Signal space: rows of V^H with s_i^2 > threshold s_0^2.
  auto svd = torch::linalg_svd(matrix, /*full_matrices=*/false, c10::nullopt);
  const auto singular = std::get<1>(svd);
  const auto keep = singular.square().gt(options.threshold * singular[0].square());
  const auto basis = std::get<2>(svd).index({keep});  // [K, C k^2]
  result.kernels = basis.size(0);
  // Rows a^T of the matrix satisfy a^T = a^T V V^H, so patch vectors a satisfy a = conj(V V^H) a.
  const auto projector = basis.transpose(0, 1).matmul(basis.conj());  // [C k^2, C k^2]

  // 3. G(r)_{c c'} = (1/k^2) sum_{n, n'} P_{(c,n),(c',n')} e^{i 2 pi (n - n').(r - N/2) / N}: collect P by
  //    kernel offset d = n - n' (a (2k-1)^2 kernel per coil pair), then one centred inverse FFT.
  const auto blocks = projector.view({coils, k, k, coils, k, k}).permute({1, 2, 4, 5, 0, 3}).reshape({-1, coils, coils});
  const auto n = torch::arange(k, torch::kLong);
  const auto grids = torch::meshgrid({n, n, n, n}, "ij");  // n1, n2, n1', n2'
  const auto offset = (grids[0] - grids[2] + (k - 1)) * (2 * k - 1) + (grids[1] - grids[3] + (k - 1));
  auto by_offset = torch::zeros({(2 * k - 1) * (2 * k - 1), coils, coils}, projector.options());
  by_offset.index_add_(0, offset.reshape(-1), blocks);
  by_offset = by_offset.view({2 * k - 1, 2 * k - 1, coils, coils}).permute({2, 3, 0, 1});
  auto padded = torch::zeros({coils, coils, height, width}, projector.options());
  padded.index_put_({Slice(), Slice(), Slice(height / 2 - (k - 1), height / 2 + k), Slice(width / 2 - (k - 1), width / 2 + k)},
                    by_offset);
  // The unnormalised inverse DFT is sqrt(HW) times the orthonormal one.
  const double scaling = std::sqrt(static_cast<double>(height * width)) / static_cast<double>(k * k);
  auto gram = (centred_ifft2(padded) * scaling).permute({2, 3, 0, 1});  // [H, W, C, C]
  gram = (gram + gram.conj().transpose(-2, -1)) / 2;

  // 4. Largest eigenpair per pixel (eigh sorts eigenvalues ascending).
  auto eig = torch::linalg_eigh(gram.to(torch::kComplexFloat), "L");
  auto eigenvalues = std::get<0>(eig).select(-1, coils - 1);          // [H, W]
  auto vectors = std::get<1>(eig).select(-1, coils - 1);              // [H, W, C]
  auto reference = vectors.select(-1, 0);
  auto phase = torch::where(reference.abs() > 0, reference.conj() / reference.abs(), torch::ones_like(reference));
  vectors = vectors * phase.unsqueeze(-1);
  auto maps = vectors.permute({2, 0, 1}) * eigenvalues.gt(options.crop).unsqueeze(0);
  result.sensitivities = maps.contiguous().to(kspace.device(), kspace.scalar_type());
  result.eigenvalues = eigenvalues.to(kspace.device());
  return result;
}

torch::Tensor low_resolution_sensitivities(const torch::Tensor& kspace, const LowResolutionOptions& options) {
  check_kspace(kspace, "low-resolution sensitivities");
  const int64_t height = kspace.size(1), width = kspace.size(2);
  const auto region = fully_sampled_centre(kspace, options.calibration_size);
  if (region.height < 2 || region.width < 2)
    throw std::invalid_argument("low-resolution sensitivities: no fully sampled centre in k-space (ACS region)");
  const auto real = torch::TensorOptions().dtype(real_dtype_of(kspace.scalar_type())).device(kspace.device());
  auto window = torch::zeros({height, width}, real);
  const auto hann_row = torch::hann_window(region.height + 2, /*periodic=*/false, real).slice(0, 1, -1);
  const auto hann_column = torch::hann_window(region.width + 2, /*periodic=*/false, real).slice(0, 1, -1);
  window.index_put_({centred(height, region.height), centred(width, region.width)},
                    hann_row.unsqueeze(1) * hann_column.unsqueeze(0));
  const auto images = centred_ifft2(kspace * window);
  const auto rss = images.abs().square().sum(0).sqrt();
  const auto support = rss.gt(options.threshold * rss.max());
  return torch::where(support.unsqueeze(0), images / rss.clamp_min(1e-30).unsqueeze(0), torch::zeros_like(images));
}

}  // namespace diffrecon::mri
