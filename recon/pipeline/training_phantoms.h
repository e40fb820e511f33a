// The CT phantom families the pipeline offers to `ct phantom`, `ct project` and `prior train`
// (issue 20): random ellipses, anatomical bodies, heads made from an MRI atlas, and a seeded mix of
// the three for training a CT prior (docs/ct.md, "Training anatomy").
#pragma once

#include "ct/head_phantom.h"
#include "ct/image_grid.h"

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace diffrecon {

// A T1-weighted head and its brain-extracted copy on one grid: by default Colin27 as mricron ships it
// (Debian `mricron-data`), the same subject every MRI prior trains on.
struct HeadAtlasFiles {
  std::filesystem::path t1 = "/usr/share/mricron/templates/ch2.nii.gz";
  std::filesystem::path brain = "/usr/share/mricron/templates/ch2bet.nii.gz";

  // "T1,BRAIN" (the value of --head-atlas); InputError unless two non-empty paths.
  static HeadAtlasFiles parse(const std::string& text);
};

// Throws InputError naming the file that cannot be read or does not fit.
std::shared_ptr<const ct::HeadAtlas> load_head_atlas(const HeadAtlasFiles& files = {});

// Shares of each family in the training mix (normalised by their sum).
struct PhantomMix {
  double heads = 0.4;
  double bodies = 0.4;
  double ellipses = 0.2;

  // "heads,bodies,ellipses" weights, e.g. "1,1,0"; throws InputError unless three non-negative
  // numbers with a positive sum.
  static PhantomMix parse(const std::string& text);
};

// One phantom in Hounsfield units on `grid`: `family` is "ellipses", "body", "head" or "mix" (the
// seed picks the family by `mix`). `atlas` is needed for heads and mixes with heads.
torch::Tensor phantom_hounsfield(const std::string& family, uint64_t seed, const ct::ImageGrid& grid,
                                 const ct::HeadAtlas* atlas, const PhantomMix& mix = {}, int supersampling = 2);

}  // namespace diffrecon
