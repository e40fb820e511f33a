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

namespace {

// `x` extended along its last two dims to `shape` by mirroring (x[n - 1 - k] beyond the end, as BART's
// symmetric boundary), or as it is when it already has that size.
torch::Tensor extend_symmetrically(const torch::Tensor& x, const Shape& shape) {
  auto extended = x;
  for (int64_t d : {-2, -1}) {
    const int64_t size = x.size(d), target = shape[shape.size() + d];
    if (size > target)
      throw OperatorError("ShiftedWaveletThreshold: image size " + std::to_string(size) + " along dim " +
                          std::to_string(d) + " exceeds the wavelet's " + std::to_string(target));
    for (int64_t missing = target - size; missing > 0;) {
      const int64_t take = std::min(missing, size);
      extended = torch::cat({extended, extended.narrow(d, extended.size(d) - take, take).flip({d})}, d);
      missing -= take;
    }
  }
  return extended;
}

torch::Tensor crop_to(const torch::Tensor& x, const torch::Tensor& like) {
  return x.narrow(-2, 0, like.size(-2)).narrow(-1, 0, like.size(-1));
}

}  // namespace

torch::Tensor ShiftedWaveletThreshold::apply(const torch::Tensor& input, double step) const {
  const auto v = extend_symmetrically(input, wavelet_->domain_shape());
  if (!random_shifts_) return crop_to(wavelet_->adjoint(shrink(wavelet_->forward(v), step)), input);
  const int64_t period = int64_t{1} << wavelet_->levels();
  const std::vector<int64_t> dims{-2, -1};
  auto draws = random_.uniform({2}, torch::kFloat64);
  const std::vector<int64_t> shifts{static_cast<int64_t>(draws[0].item<double>() * period),
                                    static_cast<int64_t>(draws[1].item<double>() * period)};
  const std::vector<int64_t> back{-shifts[0], -shifts[1]};
  auto shifted = v.roll(shifts, dims);
  return crop_to(wavelet_->adjoint(shrink(wavelet_->forward(shifted), step)).roll(back, dims), input);
}

double ShiftedWaveletThreshold::value(const torch::Tensor& x) const {
  auto coefficients = wavelet_->forward(extend_symmetrically(x, wavelet_->domain_shape()));
  return threshold_.value(coefficients * detail_mask(coefficients));
}

}  // namespace diffrecon
