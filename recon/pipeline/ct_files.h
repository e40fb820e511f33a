// CT arrays in files: sinograms [views, detectors] and images [rows, columns], each optionally a
// stack [slices, ...]. BART .cfl (real part; BART's dim 0 is the fastest, so dims are reversed),
// NIfTI/MHA through ITK (images placed in patient space by ct::patient_placement, the rule DICOM
// output follows too), PNG (output only: a preview), and DICOM CT series folders (images only,
// Hounsfield units converted to attenuation).
#pragma once

#include "ct/geometry_json.h"
#include "io/atomic_output.h"
#include "io/image_file.h"

#include <torch/types.h>

#include <optional>
#include <string>

namespace diffrecon {

// A display window for CT image previews, in the image's own units.
struct ValueWindow {
  double low = 0, high = 1;
};

// float32 [H, W] or [S, H, W]. `what` names the input in messages ("sinogram", "image"); InputError
// for unreadable files, complex or non-finite values, other ranks, PNG input.
torch::Tensor read_ct_array(const std::string& path, const std::string& what, double mu_water_per_mm);

// Writes a 2-D array or a 3-D stack; `geometry` places it for ITK formats. PNG shows a stack as a
// grid of tiles, through `window` when given (CT images: values may be negative) or write_png's
// percentile window otherwise (sinograms).
void write_ct_array(const std::string& path, const torch::Tensor& data, ImageGeometry geometry, Overwrite overwrite,
                    std::optional<ValueWindow> window = std::nullopt);

// The image grid in patient space (LPS) as ITK image geometry: ct::patient_placement.
ImageGeometry ct_image_file_geometry(const ct::ImageGrid& grid);
// Sinograms: detector spacing along a row, one view per row.
ImageGeometry sinogram_file_geometry(const ct::ProjectionGeometry& projection);

}  // namespace diffrecon
