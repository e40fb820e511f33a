#include "mri/bart_layout.h"

#include <algorithm>
#include <stdexcept>

namespace diffrecon::mri {
namespace {

void expect_only(const torch::Tensor& bart, std::initializer_list<int64_t> allowed, const std::string& source,
                 const char* expected) {
  for (int64_t d = 0; d < bart.dim(); ++d) {
    if (bart.size(d) == 1) continue;
    if (std::find(allowed.begin(), allowed.end(), d) != allowed.end()) continue;
    throw std::invalid_argument("'" + source + "' has size " + std::to_string(bart.size(d)) + " in BART dim " +
                                std::to_string(d) + " (dims " + c10::str(bart.sizes()) + "); expected " + expected);
  }
}

torch::Tensor padded(const torch::Tensor& t, int64_t dims) {
  auto shape = t.sizes().vec();
  while (static_cast<int64_t>(shape.size()) < dims) shape.push_back(1);
  return t.reshape(shape);
}

}  // namespace

torch::Tensor coil_array_from_bart(const torch::Tensor& bart, const std::string& source) {
  expect_only(bart, {0, 1, 3}, source, "2-D multi-coil data [X, Y, 1, coils] (one slice, one map)");
  const auto t = padded(bart, 4);
  return t.reshape({t.size(0), t.size(1), t.size(3)}).permute({2, 0, 1}).contiguous();
}

torch::Tensor coil_array_to_bart(const torch::Tensor& coils) {
  if (coils.dim() != 3) throw std::invalid_argument("expected a [coils, H, W] tensor, got " + c10::str(coils.sizes()));
  return coils.permute({1, 2, 0}).unsqueeze(2);
}

torch::Tensor image_from_bart(const torch::Tensor& bart, const std::string& source) {
  expect_only(bart, {0, 1}, source, "a 2-D array [X, Y]");
  const auto t = padded(bart, 2);
  return t.reshape({t.size(0), t.size(1)}).contiguous();
}

}  // namespace diffrecon::mri
