#include "mri/coil_preprocessing.h"

#include "core/tensor_math.h"

#include <torch/fft.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::mri {
namespace {

torch::Tensor as_matrix(const torch::Tensor& data, const char* who) {
  if (!data.defined() || data.dim() < 2)
    throw std::invalid_argument(std::string(who) + ": expected coil data [coils, ...], got " +
                                (data.defined() ? c10::str(data.sizes()) : std::string("none")));
  return data.reshape({data.size(0), -1}).to(torch::kCPU, torch::kComplexDouble);
}

}  // namespace

torch::Tensor noise_covariance(const torch::Tensor& noise) {
  const auto samples = as_matrix(noise, "noise covariance");
  if (samples.size(1) < samples.size(0))
    throw std::invalid_argument("noise covariance: " + std::to_string(samples.size(1)) + " noise samples for " +
                                std::to_string(samples.size(0)) + " coils; need at least one per coil");
  return samples.matmul(samples.conj().transpose(0, 1)) / static_cast<double>(samples.size(1));
}

torch::Tensor whitening_matrix(const torch::Tensor& covariance) {
  if (!covariance.defined() || covariance.dim() != 2 || covariance.size(0) != covariance.size(1))
    throw std::invalid_argument("whitening: expected a square coil covariance matrix");
  const auto psi = covariance.to(torch::kComplexDouble);
  auto factor = torch::linalg_cholesky_ex(psi);
  if (std::get<1>(factor).item<int64_t>() != 0)
    throw std::invalid_argument("whitening: the coil noise covariance is not positive definite (a dead channel?)");
  const auto lower = std::get<0>(factor);
  const auto identity = torch::eye(psi.size(0), psi.options());
  return torch::linalg_solve_triangular(lower, identity, /*upper=*/false);
}

torch::Tensor coil_compression_matrix(const torch::Tensor& data, int64_t virtual_coils) {
  const auto matrix = as_matrix(data, "coil compression");
  if (virtual_coils < 1 || virtual_coils > matrix.size(0))
    throw std::invalid_argument("coil compression: virtual coils must be between 1 and " +
                                std::to_string(matrix.size(0)) + ", got " + std::to_string(virtual_coils));
  // Left singular vectors from the C x C Gram matrix (N is large, C small).
  auto eig = torch::linalg_eigh(matrix.matmul(matrix.conj().transpose(0, 1)), "L");
  const auto vectors = std::get<1>(eig).flip(-1);  // descending energy
  return vectors.slice(1, 0, virtual_coils).conj().transpose(0, 1).contiguous();
}

torch::Tensor coil_energy_fractions(const torch::Tensor& data) {
  const auto matrix = as_matrix(data, "coil compression");
  const auto energies = std::get<0>(torch::linalg_eigh(matrix.matmul(matrix.conj().transpose(0, 1)), "L")).flip(0);
  const auto cumulative = energies.clamp_min(0).cumsum(0);
  return cumulative / cumulative[-1];
}

torch::Tensor apply_coil_matrix(const torch::Tensor& matrix, const torch::Tensor& data) {
  if (!matrix.defined() || matrix.dim() != 2 || !data.defined() || data.dim() < 1 || matrix.size(1) != data.size(0))
    throw std::invalid_argument("coil matrix " + (matrix.defined() ? c10::str(matrix.sizes()) : std::string("none")) +
                                " does not fit data with " +
                                (data.defined() && data.dim() ? std::to_string(data.size(0)) : std::string("no")) +
                                " coils");
  const auto flat = data.reshape({data.size(0), -1});
  auto out = matrix.to(flat.device(), flat.scalar_type()).matmul(flat);
  auto shape = data.sizes().vec();
  shape[0] = matrix.size(0);
  return out.reshape(shape);
}

torch::Tensor remove_readout_oversampling(const torch::Tensor& kspace, int64_t factor) {
  if (!kspace.defined() || kspace.dim() < 2)
    throw std::invalid_argument("readout oversampling: expected k-space [..., readout, phase encode]");
  const int64_t oversampled = kspace.size(-2);
  if (factor < 1 || oversampled % factor != 0)
    throw std::invalid_argument("readout oversampling: " + std::to_string(oversampled) +
                                " readout samples are not a multiple of the factor " + std::to_string(factor));
  if (factor == 1) return kspace;
  const int64_t kept = oversampled / factor;
  const std::vector<int64_t> readout{-2};
  auto image = torch::fft::fftshift(torch::fft::ifftn(torch::fft::ifftshift(kspace, readout), c10::nullopt, readout, "ortho"),
                                    readout);
  const int64_t first = oversampled / 2 - kept / 2;
  auto cropped = image.slice(-2, first, first + kept);
  // Orthonormal transforms on both sides: image values are unchanged, and white noise keeps its
  // per-sample variance (so data whitened before stay white).
  return torch::fft::fftshift(torch::fft::fftn(torch::fft::ifftshift(cropped, readout), c10::nullopt, readout, "ortho"),
                              readout);
}

}  // namespace diffrecon::mri
