#include "solvers/shifted_wavelet_threshold.h"

namespace diffrecon {

ShiftedWaveletThreshold::ShiftedWaveletThreshold(std::shared_ptr<const WaveletOperator> wavelet, double lambda,
                                                 bool random_shifts, uint64_t seed)
    : wavelet_(std::move(wavelet)), threshold_(lambda), random_shifts_(random_shifts), random_(seed) {}

// 1 on detail coefficients, 0 on the coarsest approximation band (the leading block of the Mallat
// layout along the last two dims).
torch::Tensor ShiftedWaveletThreshold::detail_mask(const torch::Tensor& like) const {
  auto mask = torch::ones({like.size(-2), like.size(-1)}, like.options().dtype(torch::kBool));
  mask.slice(0, 0, like.size(-2) >> wavelet_->levels()).slice(1, 0, like.size(-1) >> wavelet_->levels()).fill_(false);
  return mask;
}

torch::Tensor ShiftedWaveletThreshold::shrink(const torch::Tensor& coefficients, double step) const {
  return torch::where(detail_mask(coefficients), threshold_.apply(coefficients, step), coefficients);
}

torch::Tensor ShiftedWaveletThreshold::apply(const torch::Tensor& v, double step) const {
  if (!random_shifts_) return wavelet_->adjoint(shrink(wavelet_->forward(v), step));
  const int64_t period = int64_t{1} << wavelet_->levels();
  const std::vector<int64_t> dims{-2, -1};
  auto draws = random_.uniform({2}, torch::kFloat64);
  const std::vector<int64_t> shifts{static_cast<int64_t>(draws[0].item<double>() * period),
                                    static_cast<int64_t>(draws[1].item<double>() * period)};
  const std::vector<int64_t> back{-shifts[0], -shifts[1]};
  auto shifted = v.roll(shifts, dims);
  return wavelet_->adjoint(shrink(wavelet_->forward(shifted), step)).roll(back, dims);
}

double ShiftedWaveletThreshold::value(const torch::Tensor& x) const {
  auto coefficients = wavelet_->forward(x);
  return threshold_.value(coefficients * detail_mask(coefficients));
}

}  // namespace diffrecon
