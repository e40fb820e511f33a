// Multi-coil Cartesian k-space as a reader delivers it (ISMRMRD, BART .cfl), before any channel-space
// step, and the two corrections that act on the acquisition as a whole: readout oversampling removal
// and the noise pre-whitening matrix. What each slice then goes through is mri/sense_model.h.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace diffrecon::mri {

struct Acquisition {
  torch::Tensor kspace;            // complex64 [B, C, H, W]: B slices (or other batch dims of a .cfl)
  torch::Tensor mask;              // float [B, H, W], 1 on acquired samples; undefined: the non-zero samples
  torch::Tensor noise;             // complex [C, N] noise samples for pre-whitening; undefined if none
  // Acquisition dwell time / noise dwell time: noise sampled with dwell t_n has variance ~ 1/t_n, so
  // the data's noise covariance is Psi t_n / t_a and the whitening matrix is scaled by sqrt(t_a / t_n).
  double noise_dwell_ratio = 1.0;
  int64_t readout_oversampling = 1;  // factor still in the readout (H); 1 when removed or absent
  std::vector<int64_t> batch_dims;   // the BART dims B came from (16 entries; empty: one slice per B)
  std::vector<double> spacing{1.0, 1.0};  // mm, ITK order: x (W), y (H)[, between slices]

  int64_t slices() const { return kspace.size(0); }
  int64_t coils() const { return kspace.size(1); }
};

// The acquisition with its readout oversampling removed (inverse FFT along the readout, the central
// H / factor samples of the image kept, FFT back; mask rows cropped alike). Unchanged if the factor is 1.
Acquisition without_readout_oversampling(Acquisition acquisition);

// W = sqrt(t_a / t_n) L^{-1}, Psi = L L^H the noise samples' coil covariance (Pruessmann et al., MRM
// 2001;46:638): W n has identity covariance. Undefined when the acquisition has no noise samples.
torch::Tensor whitening_matrix_of(const Acquisition& acquisition);

}  // namespace diffrecon::mri
