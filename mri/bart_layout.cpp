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

CoilBatch coil_batch_from_bart(const torch::Tensor& bart, const std::string& source) {
  expect_only(bart, {0, 1, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, source,
              "2-D multi-coil data [X, Y, 1, coils, 1, ...] (PHS2 and MAPS of size 1)");
  auto t = padded(bart, 16);
  CoilBatch batch;
  batch.batch_dims = t.sizes().vec();
  for (int d = 0; d < 5; ++d) batch.batch_dims[d] = 1;
  // Reverse every dim (column-major -> row-major order), then [d15..d5, C, Y, X] -> [B, C, X, Y].
  std::vector<int64_t> reversed(16);
  for (int d = 0; d < 16; ++d) reversed[d] = 15 - d;
  auto rows = t.permute(reversed).reshape({-1, t.size(3), t.size(1), t.size(0)});
  batch.data = rows.transpose(-2, -1).contiguous();
  // A NaN in the data would spread through every FFT and reach the output as a silently black image.
  if (!torch::isfinite(batch.data).all().item<bool>())
    throw std::invalid_argument("'" + source + "' holds NaN or infinite values; expected finite complex samples");
  return batch;
}

torch::Tensor image_batch_to_bart(const torch::Tensor& images, const std::vector<int64_t>& batch_dims) {
  if (images.dim() != 3 || batch_dims.size() != 16)
    throw std::invalid_argument("expected images [B, X, Y] and 16 BART batch dims");
  std::vector<int64_t> reversed_shape;
  for (int d = 15; d >= 5; --d) reversed_shape.push_back(batch_dims[d]);
  reversed_shape.insert(reversed_shape.end(), {1, 1, 1, images.size(2), images.size(1)});  // MAPS, COIL, PHS2, Y, X
  auto rows = images.transpose(-2, -1).reshape(reversed_shape);
  std::vector<int64_t> reversed(16);
  for (int d = 0; d < 16; ++d) reversed[d] = 15 - d;
  return rows.permute(reversed);
}

torch::Tensor image_from_bart(const torch::Tensor& bart, const std::string& source) {
  expect_only(bart, {0, 1}, source, "a 2-D array [X, Y]");
  const auto t = padded(bart, 2);
  return t.reshape({t.size(0), t.size(1)}).contiguous();
}

}  // namespace diffrecon::mri
