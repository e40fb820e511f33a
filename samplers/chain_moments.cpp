#include "samplers/chain_moments.h"

namespace diffrecon {

void ChainMoments::add(const torch::Tensor& chain) {
  const auto wide = chain.to(chain.is_complex() ? torch::kComplexDouble : torch::kDouble);
  const auto squares = wide.abs().square();
  sum_ = sum_.defined() ? sum_ + wide : wide;
  sum_squares_ = sum_squares_.defined() ? sum_squares_ + squares : squares;
  ++count_;
}

torch::Tensor ChainMoments::mean(torch::ScalarType dtype) const {
  return (sum_ / static_cast<double>(count_)).to(dtype);
}

torch::Tensor ChainMoments::std(torch::ScalarType dtype) const {
  if (count_ < 2) return {};
  const double n = static_cast<double>(count_);
  const auto mean = sum_ / n;
  auto variance = (sum_squares_ / n - mean.abs().square()).clamp_min(0) * (n / (n - 1));
  return variance.sqrt().to(c10::toRealValueType(dtype));
}

}  // namespace diffrecon
