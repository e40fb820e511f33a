// A bare line plot rendered into an image (no fonts: the numbers live in the CSV next to it), used for
// training-loss curves. Values are drawn left to right, optionally on a log scale, over a light grid.
#pragma once

#include <torch/types.h>

#include <vector>

namespace diffrecon {

// Returns [height, width] grey levels in [0, 1] (white background, black curve, grey grid/frame).
torch::Tensor render_line_plot(const std::vector<double>& values, int64_t width = 480, int64_t height = 240,
                               bool log_scale = true);

// Centred moving average over `window` values (shrinking at the ends), to show a trend in noisy losses.
std::vector<double> moving_average(const std::vector<double>& values, int64_t window);

}  // namespace diffrecon
