// The CT geometry file: a projection geometry and the image grid to reconstruct on, as JSON, every
// length in millimetres and every angle in degrees (README section "CT" documents the format):
//
//   { "beam": "parallel" | "fan",
//     "angles_deg": [0, 3, 6, ...]                 explicit angles, or instead
//     "views": 60, "angular_range_deg": 180, "start_angle_deg": 0   evenly spaced, end excluded
//                                                  (range defaults: 180 parallel, 360 fan), or for fan
//     "views": 200, "scan": "short" | "full"       short: 180 + 2 x fan half-angle, both ends included
//     "detector": { "count": 367, "spacing_mm": 1.0, "offset_mm": 0.0, "shape": "flat" | "curved" },
//     "source_to_isocentre_mm": 500, "source_to_detector_mm": 1000,     (fan only)
//     "image": { "rows": 256, "columns": 256, "pixel_size_mm": 1.0, "centre_x_mm": 0, "centre_y_mm": 0 } }
//
// Unknown keys are errors (a misspelt key must not silently fall back to a default). nlohmann-json
// stays out of this header.
#pragma once

#include "core/error.h"
#include "ct/image_grid.h"
#include "ct/projection_geometry.h"

#include <filesystem>
#include <stdexcept>
#include <string>

namespace diffrecon::ct {

struct CtGeometry {
  ProjectionGeometry projection;
  ImageGrid image;
};

class GeometryFileError : public InputError {
 public:
  using InputError::InputError;
};

// Parses the text of a geometry file; `source` (a path or "<text>") starts every error message.
CtGeometry parse_geometry_json(const std::string& text, const std::string& source);
CtGeometry read_geometry_json(const std::filesystem::path& path);
// Writes explicit angles (so the file round-trips exactly), pretty-printed.
std::string geometry_to_json(const CtGeometry& geometry);

}  // namespace diffrecon::ct
