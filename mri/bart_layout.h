// BART's 16-dim array layout (src/misc/mri.h: READ, PHS1, PHS2, COIL, MAPS, ...) to and from the
// [C, H, W] tensors of mri/: H = READ (dim 0), W = PHS1 (dim 1). Only 2-D single-slice data
// (PHS2 = 1, one map, every other dim 1) are supported; anything else is an error naming `source`.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace diffrecon::mri {

// [X, Y, 1, C, 1, ...] (any number of trailing 1s) -> [C, X, Y], contiguous.
torch::Tensor coil_array_from_bart(const torch::Tensor& bart, const std::string& source);
// [C, H, W] -> [H, W, 1, C].
torch::Tensor coil_array_to_bart(const torch::Tensor& coils);

// Multi-slice (or any batch) data: every BART dim after COIL except MAPS (TE, ..., SLICE, AVG,
// BATCH) is a batch dim. [X, Y, 1, C, 1, d5, ..., d15] -> [B, C, X, Y] with B = d5 * ... * d15
// (d5 fastest), and `batch_dims` the 16 dims with the image and coil dims set to 1.
struct CoilBatch {
  torch::Tensor data;
  std::vector<int64_t> batch_dims;
  int64_t batch_size() const { return data.size(0); }
};
CoilBatch coil_batch_from_bart(const torch::Tensor& bart, const std::string& source);
// Images [B, X, Y] -> [X, Y, 1, 1, 1, d5, ..., d15] for the `batch_dims` of coil_batch_from_bart.
torch::Tensor image_batch_to_bart(const torch::Tensor& images, const std::vector<int64_t>& batch_dims);

// [X, Y, 1, ...] -> [X, Y] (an image or a sampling pattern; X may be 1 for a line pattern).
torch::Tensor image_from_bart(const torch::Tensor& bart, const std::string& source);
// [H, W] -> [H, W] (BART reads missing trailing dims as 1).
inline torch::Tensor image_to_bart(const torch::Tensor& image) { return image; }

}  // namespace diffrecon::mri
