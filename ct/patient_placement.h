// Where a CT image grid lies in patient space: the one rule every output follows (NIfTI/MHA files
// through ITK, whose physical space is LPS, and DICOM series alike), so that a tool reading both
// finds each pixel at the same patient point.
//
// The grid's frame (ct/image_grid.h) has x to the right of the displayed image and y up, row 0 at
// the top. Displayed the radiological way (an axial slice seen from the feet, anterior up), the
// image's right is the patient's left (LPS +x) and its top is anterior (LPS -y). So column j lies at
// LPS x = x_of_column(j) and row i at LPS y = -y_of_row(i); slices of a stack follow LPS +z
// (towards the head) `slice_spacing_mm` apart. Axis 0 runs along a row, axis 1 down a column.
#pragma once

#include "ct/image_grid.h"

#include <array>

namespace diffrecon::ct {

struct PatientPlacement {
  std::array<double, 3> spacing{1.0, 1.0, 1.0};  // mm: column, row, slice
  std::array<double, 3> origin{0.0, 0.0, 0.0};   // LPS mm of the centre of pixel (0, 0) of slice 0
  // Row-major 3 x 3: column a is the LPS direction of axis a (ITK's Direction matrix).
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};
};

PatientPlacement patient_placement(const ImageGrid& grid, double slice_spacing_mm = 1.0);

}  // namespace diffrecon::ct
