// ImageGrid: where the pixels of a 2-D CT image sit, in millimetres.
//
// Tensors are [..., rows, columns]. Column j lies at x = centre_x_mm + (j - (columns - 1) / 2) * pixel_size_mm,
// row i at y = centre_y_mm + ((rows - 1) / 2 - i) * pixel_size_mm: x to the right, y up, row 0 at the
// top, so a tensor displays the way the phantom is drawn (the MATLAB/Octave `phantom` convention).
// Pixels are square.
#pragma once

#include <cstdint>
#include <vector>

namespace diffrecon::ct {

struct ImageGrid {
  int64_t rows = 256;
  int64_t columns = 256;
  double pixel_size_mm = 1.0;
  double centre_x_mm = 0.0;
  double centre_y_mm = 0.0;

  // A rows x columns grid of the given pixel size, centred on the origin.
  static ImageGrid square(int64_t size, double pixel_size_mm);

  double x_of_column(double column) const { return centre_x_mm + (column - 0.5 * double(columns - 1)) * pixel_size_mm; }
  double y_of_row(double row) const { return centre_y_mm + (0.5 * double(rows - 1) - row) * pixel_size_mm; }
  double column_of_x(double x) const { return (x - centre_x_mm) / pixel_size_mm + 0.5 * double(columns - 1); }
  double row_of_y(double y) const { return 0.5 * double(rows - 1) - (y - centre_y_mm) / pixel_size_mm; }

  std::vector<int64_t> shape() const { return {rows, columns}; }
  double width_mm() const { return double(columns) * pixel_size_mm; }
  double height_mm() const { return double(rows) * pixel_size_mm; }

  // Throws std::invalid_argument naming `who` unless rows, columns >= 1 and pixel_size_mm > 0 (finite).
  void validate(const char* who) const;
};

bool operator==(const ImageGrid& a, const ImageGrid& b);

}  // namespace diffrecon::ct
