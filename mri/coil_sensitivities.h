// Coil sensitivity estimation from the fully sampled centre of k-space (the ACS / calibration
// region) of multi-coil Cartesian data [C, H, W] (zeros where not sampled).
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace diffrecon::mri {

// The centred calibration block actually used: the largest centred rectangle, at most
// `requested` x `requested`, in which every k-space sample is present (non-zero in some coil).
struct CalibrationRegion {
  int64_t height = 0;
  int64_t width = 0;
};
CalibrationRegion fully_sampled_centre(const torch::Tensor& kspace, int64_t requested);

// ESPIRiT (Uecker et al., MRM 2014;71:990), one set of maps as `bart ecalib -m1`:
// 1. calibration matrix of all kernel-size patches of the calibration region (rows: patches;
//    columns: coil x kernel positions), eq. 7;
// 2. its SVD; the right singular vectors whose squared singular value exceeds `threshold` times the
//    largest span the signal space (the rest is the null space), section "Null-space";
// 3. per pixel, the C x C matrix G(r) = (1/k^2) E(r)^H P E(r), P the projector on the signal space
//    and E(r) the kernel positions' Fourier phases (eq. 13), computed for all pixels at once from
//    the projector's difference kernel with one inverse FFT per coil pair;
// 4. the eigenvector of the largest eigenvalue at each pixel is the sensitivity vector (eigenvalue
//    1 where the model holds); maps are zero where that eigenvalue is <= `crop`.
// The maps are unit-norm over coils and their phase is relative to coil 0.
struct EspiritOptions {
  int64_t calibration_size = 24;  // BART ecalib -r
  int64_t kernel_size = 6;        // BART ecalib -k
  double threshold = 0.001;       // BART ecalib -t (relative to the largest squared singular value)
  double crop = 0.8;              // BART ecalib -c
};

struct EspiritResult {
  torch::Tensor sensitivities;  // complex [C, H, W], the input's precision
  torch::Tensor eigenvalues;    // real [H, W], the largest eigenvalue per pixel
  int64_t kernels = 0;          // dimension of the signal space
  CalibrationRegion calibration;
};

EspiritResult espirit(const torch::Tensor& kspace, const EspiritOptions& options = {});

// The simple method: coil images of the calibration region only (zero-filled elsewhere, Hann
// windowed so the low-resolution images do not ring), divided by their root-sum-of-squares; zero
// where the RSS is below `threshold` times its maximum (outside the object).
struct LowResolutionOptions {
  int64_t calibration_size = 24;
  double threshold = 0.05;
};
torch::Tensor low_resolution_sensitivities(const torch::Tensor& kspace, const LowResolutionOptions& options = {});

}  // namespace diffrecon::mri
