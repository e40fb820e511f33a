#include "core/wavelet_operator.h"

#include <algorithm>
#include <cmath>

namespace diffrecon {
namespace {

// Orthonormal Daubechies scaling filters (Daubechies, "Ten Lectures on Wavelets", 1992, table 6.1,
// normalised to sum sqrt(2)).
std::vector<double> daubechies_lowpass(const std::string& name) {
  if (name == "db1" || name == "haar") return {M_SQRT1_2, M_SQRT1_2};
  if (name == "db2") {
    const double r3 = std::sqrt(3.0), n = 4 * M_SQRT2;
    return {(1 + r3) / n, (3 + r3) / n, (3 - r3) / n, (1 - r3) / n};
  }
  if (name == "db3")
    return {0.3326705529509569,   0.8068915093133388,   0.4598775021193313,
            -0.13501102001039084, -0.08544127388224149, 0.035226291882100656};
  if (name == "db4")
    return {0.23037781330885523, 0.7148465705525415,  0.6308807679295904,  -0.02798376941698385,
            -0.18703481171888114, 0.030841381835986965, 0.032883011666982945, -0.010597401784997278};
  throw OperatorError("Wavelet: unknown wavelet '" + name + "' (expected db1/haar, db2, db3 or db4)");
}

int automatic_levels(const Shape& shape, const std::vector<int64_t>& dims, size_t filter_length) {
  int levels = 0;
  while (levels < 5) {
    bool ok = true;
    for (auto d : dims) {
      const int64_t size = shape[shape.size() + d] >> levels;
      ok = ok && size % 2 == 0 && size / 2 >= static_cast<int64_t>(filter_length);
    }
    if (!ok) break;
    ++levels;
  }
  return std::max(levels, 1);
}

}  // namespace

WaveletOperator::WaveletOperator(Shape shape, std::string wavelet, int levels, std::vector<int64_t> dims)
    : LinearOperator("Wavelet(" + wavelet + ")", {shape, Field::Any}, {shape, Field::Any}),
      lowpass_(daubechies_lowpass(wavelet)),
      dims_(resolve_dims(shape, std::move(dims), "Wavelet")),
      levels_(levels > 0 ? levels : automatic_levels(shape, dims_, lowpass_.size())) {
  // Quadrature mirror: g[k] = (-1)^k h[L-1-k].
  const size_t length = lowpass_.size();
  for (size_t k = 0; k < length; ++k) highpass_.push_back((k % 2 ? -1.0 : 1.0) * lowpass_[length - 1 - k]);
  for (auto d : dims_) {
    const int64_t size = shape[shape.size() + d];
    if (size % (int64_t{1} << levels_) != 0 || (size >> (levels_ - 1)) < 2)
      throw OperatorError("Wavelet: size " + std::to_string(size) + " along dim " + std::to_string(d) +
                          " is not divisible by 2^" + std::to_string(levels_) + " (the number of levels)");
  }
}

// One level along `dim` of a band: [lo | hi], each half long, with
// lo[n] = sum_k h[k] x[(2n + k) mod N] (periodic) and hi likewise with g.
torch::Tensor WaveletOperator::analysis(const torch::Tensor& x, int64_t dim) const {
  auto band = x.movedim(dim, -1);
  const int64_t length = band.size(-1);
  torch::Tensor lo, hi;
  for (size_t k = 0; k < lowpass_.size(); ++k) {
    auto taps = band.roll(-static_cast<int64_t>(k), -1).slice(-1, 0, length, 2);
    lo = k ? lo + lowpass_[k] * taps : lowpass_[k] * taps;
    hi = k ? hi + highpass_[k] * taps : highpass_[k] * taps;
  }
  return torch::cat({lo, hi}, -1).movedim(-1, dim);
}

// The adjoint (= inverse) of analysis: x[m] = sum_k h[k] up(lo)[m - k] + g[k] up(hi)[m - k].
torch::Tensor WaveletOperator::synthesis(const torch::Tensor& y, int64_t dim) const {
  auto band = y.movedim(dim, -1);
  const int64_t length = band.size(-1);
  auto upsample = [](const torch::Tensor& t) { return torch::stack({t, torch::zeros_like(t)}, -1).flatten(-2); };
  auto lo = upsample(band.narrow(-1, 0, length / 2));
  auto hi = upsample(band.narrow(-1, length / 2, length / 2));
  torch::Tensor x;
  for (size_t k = 0; k < lowpass_.size(); ++k) {
    auto term = lowpass_[k] * lo.roll(static_cast<int64_t>(k), -1) + highpass_[k] * hi.roll(static_cast<int64_t>(k), -1);
    x = k ? x + term : term;
  }
  return x.movedim(-1, dim);
}

// The leading block of `x` (the current approximation band) along every transform dim.
torch::Tensor WaveletOperator::leading_block(const torch::Tensor& x, int level) const {
  auto block = x;
  for (auto d : dims_) block = block.narrow(d, 0, x.size(d) >> level);
  return block;
}

// `x` with its leading block replaced by `block` (functional, so autograd sees it).
torch::Tensor WaveletOperator::with_leading_block(const torch::Tensor& x, const torch::Tensor& block, size_t dim_index) const {
  if (dim_index == dims_.size()) return block;
  const auto d = dims_[dim_index];
  const auto length = block.size(d);
  // cat, not slice_scatter: LibTorch 1.13 has no complex autograd for slice_scatter.
  auto head = with_leading_block(x.narrow(d, 0, length), block, dim_index + 1);
  if (length == x.size(d)) return head;
  return torch::cat({head, x.narrow(d, length, x.size(d) - length)}, d);
}

torch::Tensor WaveletOperator::apply_forward(const torch::Tensor& x) const {
  auto y = x;
  for (int level = 0; level < levels_; ++level) {
    auto band = leading_block(y, level);
    for (auto d : dims_) band = analysis(band, d);
    y = level == 0 ? band : with_leading_block(y, band, 0);
  }
  return y;
}

torch::Tensor WaveletOperator::apply_adjoint(const torch::Tensor& y) const {
  auto x = y;
  for (int level = levels_ - 1; level >= 0; --level) {
    auto band = leading_block(x, level);
    for (auto it = dims_.rbegin(); it != dims_.rend(); ++it) band = synthesis(band, *it);
    x = level == 0 ? band : with_leading_block(x, band, 0);
  }
  return x;
}

WaveletLayout wavelet_layout_for(const Shape& image, const std::vector<int64_t>& dims) {
  WaveletLayout layout;
  int levels = 64;
  for (auto d : dims) {
    if (d >= 0 || -d > static_cast<int64_t>(image.size()))
      throw OperatorError("Wavelet: dim " + std::to_string(d) + " is not a trailing dim of the image");
    int count = 0;
    for (int64_t size = image[image.size() + d]; size >= 16; size = (size + 1) / 2) ++count;
    levels = std::min(levels, count);
  }
  layout.levels = std::max(levels, 1);
  layout.padded = image;
  const int64_t block = int64_t{1} << layout.levels;
  for (auto d : dims) {
    auto& size = layout.padded[image.size() + d];
    size = (size + block - 1) / block * block;
  }
  return layout;
}

}  // namespace diffrecon
