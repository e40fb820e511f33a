// Small deterministic images for tests, benchmarks and the self-check demo. Piecewise-constant, so
// total variation is the right regulariser and errors are easy to reason about.
#pragma once

#include <torch/types.h>

namespace diffrecon {

// A [height, width] float image in [0, 1]: a background ellipse with two rectangles and two disks
// of different intensities inside. `dtype` may be real or complex (then the image gets a smooth
// linear phase, as MRI images have).
torch::Tensor piecewise_constant_phantom(int64_t height, int64_t width, torch::ScalarType dtype = torch::kFloat32);

}  // namespace diffrecon
