// Random anatomical body slices (issue 20): a thorax (lungs with vessels, heart, aorta, ribs) or an
// abdomen (liver, spleen, kidneys, bowel with gas or fluid, visceral fat), both with a lumpy body
// outline, subcutaneous fat, paraspinal muscles and a vertebra (cortical ring, cancellous bone,
// spinal canal), small low-contrast lesions in the soft organs and smooth texture. Tissues get
// random values inside their clinical HU ranges (docs/ct.md, "Training anatomy"). Structures are
// painted over each other (ct/hounsfield_canvas.h), unlike the additive ellipses of
// ct/ellipse_phantom.h, so air, fat, soft tissue and bone keep their own ranges.
//
// The same seed gives the same image on every platform (ct/portable_random.h).
#pragma once

#include "ct/image_grid.h"

#include <torch/types.h>

#include <cstdint>

namespace diffrecon::ct {

struct RandomBodyOptions {
  double field_of_view_mm = 256.0;   // the body lies inside the disc of this diameter centred on 0
  double thorax_probability = 0.5;   // else an abdomen
  int lesions_min = 1, lesions_max = 4;
  double lesion_radius_mm_min = 2.0, lesion_radius_mm_max = 10.0;
  double lesion_contrast_hu_min = 5.0, lesion_contrast_hu_max = 40.0;  // sign drawn at random

  // Throws std::invalid_argument naming the first inconsistent field.
  void validate() const;
};

// The slice in Hounsfield units on `grid`, [rows, columns] float32 (air -1000).
torch::Tensor random_body_hounsfield(uint64_t seed, const ImageGrid& grid, const RandomBodyOptions& options = {},
                                     int supersampling = 2);

}  // namespace diffrecon::ct
