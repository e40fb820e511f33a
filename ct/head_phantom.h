// Random CT head slices made from an MRI head atlas (issue 20). A T1-weighted head volume and its
// brain-extracted copy (Colin27: mricron's ch2.nii.gz and ch2bet.nii.gz, docs/ct.md "Training
// anatomy") are segmented slice by slice into air, sinus air, scalp (soft tissue and fat), skull
// (cortical bone and marrow), CSF and brain (grey to white matter by T1 intensity); each tissue gets
// a random value in its clinical HU range, texture, small lesions and calcifications; the slice
// (axial by default) is rotated, scaled, shifted and deformed at random onto the grid.
//
// The same seed and atlas give the same image on every platform (ct/portable_random.h).
#pragma once

#include "ct/image_grid.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace diffrecon::ct {

class HeadAtlas {
 public:
  // `t1` and `brain`: [D, H, W] volumes on the same isotropic grid of `spacing_mm`; `brain` is zero
  // outside the brain. Throws std::invalid_argument naming what does not fit.
  HeadAtlas(const torch::Tensor& t1, const torch::Tensor& brain, double spacing_mm);

  // T1 divided by its median inside the brain, the brain mask, and per axis the slices whose head
  // covers at least a quarter of the largest head section along that axis.
  const torch::Tensor& t1() const { return t1_; }
  const torch::Tensor& brain() const { return brain_; }
  double spacing_mm() const { return spacing_mm_; }
  const std::vector<int64_t>& slices(int axis) const { return slices_.at(static_cast<size_t>(axis)); }

 private:
  torch::Tensor t1_, brain_;
  double spacing_mm_;
  std::vector<std::vector<int64_t>> slices_;
};

struct RandomHeadOptions {
  // Else coronal or sagittal, evenly. Axial only by default: the atlas's box cuts the top of the head
  // and the neck, which a coronal or sagittal slice would show as straight edges no scan has.
  double axial_probability = 1.0;
  double scale_min = 0.85, scale_max = 1.15;
  double rotation_deg_max = 25.0;
  double shift_mm_max = 10.0;
  double deformation_mm_max = 4.0;
  int lesions_min = 0, lesions_max = 3;
  double lesion_radius_mm_min = 2.0, lesion_radius_mm_max = 12.0;
  double lesion_contrast_hu_min = 5.0, lesion_contrast_hu_max = 60.0;  // sign drawn at random

  void validate() const;
};

// The slice in Hounsfield units on `grid`, [rows, columns] float32 (air -1000).
torch::Tensor random_head_hounsfield(uint64_t seed, const HeadAtlas& atlas, const ImageGrid& grid,
                                     const RandomHeadOptions& options = {}, int supersampling = 2);

}  // namespace diffrecon::ct
