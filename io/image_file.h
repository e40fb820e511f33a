// Image files through ITK: NIfTI (.nii, .nii.gz), MetaImage (.mha, .mhd), PNG (and whatever else ITK's
// IO factories read). Tensors use the torch order [z, y, x] (ITK's index order reversed), so a 2-D file
// is [H, W] and a volume [D, H, W]; geometry stays in ITK's (x, y, z) order, in millimetres.
#pragma once

#include "core/error.h"
#include "core/memory_budget.h"

#include "io/atomic_output.h"

#include <torch/types.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <vector>

namespace diffrecon {

class ImageFileError : public InputError {
 public:
  using InputError::InputError;
};

// Physical placement of the pixel grid, per ITK axis (x first).
struct ImageGeometry {
  std::vector<double> spacing;    // mm per pixel
  std::vector<double> origin;     // mm, centre of the first pixel
  std::vector<double> direction;  // row-major dimension x dimension direction cosines

  static ImageGeometry identity(int dimension);
  int dimension() const { return static_cast<int>(spacing.size()); }
};

struct Image {
  torch::Tensor data;  // float32 (scalar, colour files become luminance) or complex64 (complex pixels)
  ImageGeometry geometry;
};

// Reads any image file ITK recognises. Throws ImageFileError naming the file on failure, and
// InputError when its header declares more pixels than `budget` holds (checked before reading them).
Image read_image(const std::filesystem::path& path, const MemoryBudget& budget = MemoryBudget::of_this_machine());

// Writes a 2-D [H, W] or 3-D [D, H, W] float or complex tensor (complex as complex pixels, which NIfTI
// and MetaImage support). The format follows the extension. A missing geometry means unit spacing.
// PNG: magnitude, windowed to 8 bits (see write_png). Atomic; refuses to overwrite unless allowed.
void write_image(const std::filesystem::path& path, const torch::Tensor& data,
                 const std::optional<ImageGeometry>& geometry, Overwrite overwrite);

// Display window for PNG previews: values at or below `low` are black, at or above `high` white.
struct DisplayWindow {
  double low = 0.0;
  double high = 1.0;
  // 0 to the given percentile (default 99.5 %) of the magnitude: robust to a few bright pixels.
  static DisplayWindow from_percentile(const torch::Tensor& magnitude, double percentile = 99.5);
};

// Writes the magnitude of a 2-D image as an 8-bit grey PNG, windowed (default: from_percentile).
void write_png(const std::filesystem::path& path, const torch::Tensor& image,
               const std::optional<DisplayWindow>& window, Overwrite overwrite);

// Lays 2-D images [N, H, W] out as a grid with `columns` columns (the rest filled with zeros), for
// side-by-side previews and sample sheets.
torch::Tensor tile_images(const torch::Tensor& images, int64_t columns, int64_t gap = 2);

}  // namespace diffrecon
