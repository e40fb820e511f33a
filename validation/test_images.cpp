#include "validation/test_images.h"

#include <cmath>
#include <stdexcept>

namespace diffrecon {

torch::Tensor piecewise_constant_phantom(int64_t height, int64_t width, torch::ScalarType dtype) {
  if (height < 8 || width < 8) throw std::invalid_argument("piecewise_constant_phantom: needs at least 8 x 8");
  auto options = torch::TensorOptions().dtype(torch::kFloat64);
  // Normalised coordinates in [-1, 1].
  auto y = torch::linspace(-1, 1, height, options).unsqueeze(1).expand({height, width});
  auto x = torch::linspace(-1, 1, width, options).unsqueeze(0).expand({height, width});
  auto image = torch::zeros({height, width}, options);
  auto inside_ellipse = [&](double cx, double cy, double rx, double ry) {
    return ((x - cx) / rx).square() + ((y - cy) / ry).square() <= 1.0;
  };
  auto inside_rectangle = [&](double x0, double x1, double y0, double y1) {
    return (x >= x0).logical_and(x <= x1).logical_and(y >= y0).logical_and(y <= y1);
  };
  image.masked_fill_(inside_ellipse(0, 0, 0.85, 0.95), 0.4);
  image.masked_fill_(inside_rectangle(-0.55, -0.1, -0.6, 0.1), 0.8);
  image.masked_fill_(inside_rectangle(0.15, 0.6, 0.2, 0.45), 0.2);
  image.masked_fill_(inside_ellipse(0.3, -0.4, 0.2, 0.2), 1.0);
  image.masked_fill_(inside_ellipse(-0.3, 0.55, 0.12, 0.12), 0.6);
  if (!c10::isComplexType(dtype)) return image.to(dtype);
  auto phase = 0.6 * x + 0.3 * y;
  return torch::polar(image, phase).to(dtype);
}

}  // namespace diffrecon
