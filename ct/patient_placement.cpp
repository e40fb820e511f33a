#include "ct/patient_placement.h"

namespace diffrecon::ct {

PatientPlacement patient_placement(const ImageGrid& grid, double slice_spacing_mm) {
  PatientPlacement placement;
  placement.spacing = {grid.pixel_size_mm, grid.pixel_size_mm, slice_spacing_mm};
  // Row i at LPS y = -y_of_row(i) = -y_of_row(0) + i * pixel: the column axis points along LPS +y.
  placement.origin = {grid.x_of_column(0.0), -grid.y_of_row(0.0), 0.0};
  placement.direction = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  return placement;
}

}  // namespace diffrecon::ct
