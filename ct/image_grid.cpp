#include "ct/image_grid.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::ct {

ImageGrid ImageGrid::square(int64_t size, double pixel_size_mm) {
  ImageGrid grid;
  grid.rows = size;
  grid.columns = size;
  grid.pixel_size_mm = pixel_size_mm;
  return grid;
}

void ImageGrid::validate(const char* who) const {
  if (rows < 1 || columns < 1) {
    throw std::invalid_argument(std::string(who) + ": image grid needs rows and columns >= 1, got " +
                                std::to_string(rows) + " x " + std::to_string(columns));
  }
  if (!(pixel_size_mm > 0.0) || !std::isfinite(pixel_size_mm)) {
    throw std::invalid_argument(std::string(who) + ": image grid pixel size must be a positive number of mm, got " +
                                std::to_string(pixel_size_mm));
  }
  if (!std::isfinite(centre_x_mm) || !std::isfinite(centre_y_mm)) {
    throw std::invalid_argument(std::string(who) + ": image grid centre must be finite");
  }
}

bool operator==(const ImageGrid& a, const ImageGrid& b) {
  return a.rows == b.rows && a.columns == b.columns && a.pixel_size_mm == b.pixel_size_mm &&
         a.centre_x_mm == b.centre_x_mm && a.centre_y_mm == b.centre_y_mm;
}

}  // namespace diffrecon::ct
