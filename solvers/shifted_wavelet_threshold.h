// g(x) = lambda ||W S x||_1 with W an orthogonal wavelet transform and S a circular shift of the
// image drawn anew at every proximal step (cycle spinning; BART's pics shifts its wavelets the same
// way unless -n): each step is the exact prox of a shifted, unitary W S, and the random shifts
// remove the block artefacts of a fixed dyadic grid. The coarsest approximation band is not
// thresholded (it holds the image's low-resolution content, which is not sparse; BART's wavelet
// prox leaves it alone too), so g penalises detail coefficients only.
// Images smaller than the wavelet's shape (wavelet_layout_for: odd sizes, sizes not divisible by
// 2^levels) are extended symmetrically to it before the transform and cropped back after, as BART's
// wavelets extend theirs (src/wavelet/wavelet.c); the prox is then that of the extended image.
#pragma once

#include "core/seeded_random.h"
#include "core/wavelet_operator.h"
#include "solvers/proximal_operators.h"

#include <memory>

namespace diffrecon {

class ShiftedWaveletThreshold final : public ProximalOperator {
 public:
  // Shifts are uniform in [0, 2^levels) along each transform dim (a shift by the coarsest block
  // size leaves the transform unchanged up to a permutation). random_shifts = false: no shift.
  ShiftedWaveletThreshold(std::shared_ptr<const WaveletOperator> wavelet, double lambda, bool random_shifts,
                          uint64_t seed);
  torch::Tensor apply(const torch::Tensor& v, double step) const override;
  // lambda ||detail coefficients of W x||_1, without shift.
  double value(const torch::Tensor& x) const override;
  std::string name() const override { return "ShiftedWaveletThreshold"; }

 private:
  std::shared_ptr<const WaveletOperator> wavelet_;
  torch::Tensor shrink(const torch::Tensor& coefficients, double step) const;
  torch::Tensor detail_mask(const torch::Tensor& like) const;

  SoftThreshold threshold_;
  bool random_shifts_;
  mutable SeededRandom random_;
};

}  // namespace diffrecon
