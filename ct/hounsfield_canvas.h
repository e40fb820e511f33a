// HounsfieldCanvas: an image in Hounsfield units that the anatomical phantom generators paint, one
// structure over the other (the last painted wins, as tissue replaces tissue), on a supersampled copy
// of the grid; image() averages the supersamples, so edges carry partial volumes as a scanner's
// pixels do. Coordinates are the grid's millimetres (ct/image_grid.h: x right, y up).
#pragma once

#include "ct/image_grid.h"
#include "ct/portable_random.h"

#include <torch/types.h>

namespace diffrecon::ct {

class HounsfieldCanvas {
 public:
  HounsfieldCanvas(const ImageGrid& grid, int supersampling, double background_hu = -1000.0);

  // The millimetre coordinates of every supersample, [rows * s, columns * s] (float32).
  const torch::Tensor& x_mm() const { return x_; }
  const torch::Tensor& y_mm() const { return y_; }
  // The painted values at the supersamples (float32), for reading and for direct edits.
  torch::Tensor& hounsfield() { return hu_; }
  const torch::Tensor& hounsfield() const { return hu_; }

  // Inside the ellipse with centre (cx, cy), semi-axes a (along x before rotation) and b, rotated
  // counter-clockwise by `rotation_deg`: a boolean mask of the supersamples.
  torch::Tensor ellipse(double cx, double cy, double a, double b, double rotation_deg = 0.0) const;

  void paint(const torch::Tensor& mask, double hu);
  void paint(const torch::Tensor& mask, const torch::Tensor& hu);
  // Adds `hu` where `mask` is set (lesions and texture change the tissue they lie in).
  void add(const torch::Tensor& mask, const torch::Tensor& hu);

  // A smooth random field of zero mean and unit standard deviation over the canvas: normal draws on
  // a coarse lattice `correlation_mm` apart, interpolated bicubically (same seed, same field).
  torch::Tensor smooth_field(PortableUniform& random, double correlation_mm) const;

  // [rows, columns] float32: the mean of each pixel's supersamples.
  torch::Tensor image() const;

 private:
  ImageGrid grid_;
  int supersampling_;
  torch::Tensor x_, y_, hu_;
};

}  // namespace diffrecon::ct
