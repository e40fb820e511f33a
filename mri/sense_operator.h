// The multi-coil Cartesian SENSE forward model (Pruessmann et al., MRM 1999;42:952):
//     A x = M F S x,   x an image [H, W] -> coil k-space [C, H, W],
// S multiplies by the coil sensitivities [C, H, W], F is the centred orthonormal 2-D FFT of
// core/fft_operator.h (DC at index N/2, BART's fftuc convention) and M is a 0/1 sampling mask
// broadcastable to [C, H, W] (e.g. [H, W] or [1, W] for phase-encode lines along W).
//
// Layout: H is the readout (BART dim 0, READ), W the phase encode (BART dim 1, PHS1); see
// mri/bart_layout.h. Inputs may carry leading batch dims: [..., H, W] -> [..., C, H, W].
#pragma once

#include "core/linear_operator.h"

#include <vector>

namespace diffrecon::mri {

class SenseOperator : public LinearOperator {
 public:
  // `sensitivities`: complex [C, H, W]. `mask`: real 0/1 (or boolean), broadcastable to [C, H, W];
  // undefined means fully sampled.
  SenseOperator(torch::Tensor sensitivities, torch::Tensor mask = {});

  int64_t coils() const { return sensitivities_.size(0); }
  const torch::Tensor& sensitivities() const { return sensitivities_; }
  // The mask as given, expanded to [H, W] (all ones when fully sampled).
  const torch::Tensor& mask() const { return mask_; }
  std::optional<torch::Device> device() const override { return sensitivities_.device(); }

 protected:
  torch::Tensor apply_forward(const torch::Tensor& x) const override;
  torch::Tensor apply_adjoint(const torch::Tensor& y) const override;
  // S^H F^H M F S x with the FFT shifts moved out of the coil loop: F = P F0 Q (P, Q the fftshift /
  // ifftshift permutations), so F^H M F = Q^H F0^H (P^H M P) F0 Q, and Q commutes with S if the maps
  // are shifted too. One shift of x and one of the result instead of 2C, and the mask applied once.
  // A mask of lines (constant along one axis) needs no FFT along that axis, F_h^H F_h = I, so the
  // normal transforms along the other axis only: half the FFT work of the 2-D transform. A fully
  // sampled mask needs none: S^H S x (docs/benchmarks.md, "Throughput").
  torch::Tensor apply_normal(const torch::Tensor& x) const override;

 private:
  torch::Tensor matched(const torch::Tensor& t, const torch::Tensor& x) const;

  torch::Tensor sensitivities_;          // [C, H, W]
  torch::Tensor mask_;                   // [H, W], real
  torch::Tensor shifted_sensitivities_;  // ifftshift(S) over (H, W)
  torch::Tensor shifted_mask_;           // ifftshift(M) over (H, W): the mask in uncentred FFT order
  bool fully_sampled_ = false;
  torch::Tensor constant_mask_normal_;   // m sum_c |S_c|^2 [H, W] when the mask is a constant m
  std::vector<int64_t> normal_fft_dims_;  // the axes the mask varies along: {-2, -1}, {-1}, {-2} or {}
};

}  // namespace diffrecon::mri
