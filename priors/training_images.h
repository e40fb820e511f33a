// Where training images come from. A source draws one clean image [Ch, H, W], already in the prior's
// normalisation, from an explicit random stream, so a (seed, step) pair always gives the same batch and
// training can resume mid-run bit for bit.
#pragma once

#include "core/seeded_random.h"

#include <torch/types.h>

#include <functional>
#include <mutex>
#include <memory>
#include <vector>

namespace diffrecon {

class TrainingImageSource {
 public:
  virtual ~TrainingImageSource() = default;
  virtual torch::Tensor draw(SeededRandom& random) const = 0;
  virtual int64_t channels() const = 0;
};

// [B, Ch, H, W] from `batch` draws.
torch::Tensor draw_batch(const TrainingImageSource& source, int64_t batch, SeededRandom& random);

// Random flips and 90-degree rotations of [Ch, H, W] (square images keep their size; others rotate by 180).
torch::Tensor random_dihedral(const torch::Tensor& image, SeededRandom& random);

// A random smooth phase map [H, W] in radians: a global offset plus a low-order field (a 4x4 grid of
// normal values upsampled bicubically), what coil combination and B0 leave on real MR images.
torch::Tensor random_smooth_phase(int64_t height, int64_t width, SeededRandom& random, double strength = 3.14159);

struct SliceSourceOptions {
  std::vector<int64_t> axes{0, 1, 2};  // slice along these volume axes
  int64_t patch_size = 64;             // random square crops (0: whole slices, padded square)
  bool complex = false;                // add a random smooth phase and return (real, imaginary) channels
  double percentile = 99.0;            // each slice is scaled so this percentile of |x| is 1
  double min_foreground = 0.2;         // skip crops with less than this fraction above 5 % of the maximum
  // Each slice is resampled to a random pixel size in [min, max] mm (log-uniform, area averaging; never
  // finer than its volume's spacing) before cropping, so a prior trained on a fine atlas also sees the
  // coarser pixels of clinical images. 0, 0 keeps every volume's own spacing.
  double min_pixel_mm = 0.0;
  double max_pixel_mm = 0.0;
  // Probability that a slice gets a random synthetic contrast (see synthetic_contrast), so a prior trained
  // on one T1-weighted atlas also knows proton-density- and T2-like tissue orderings.
  double synthetic_contrast = 0.0;
  // Probability that a slice is warped by random_deformation (SynthSeg-style affine + elastic), so the
  // prior learns local anatomy rather than one subject's exact shapes.
  double deformation = 0.0;
  // Largest standard deviation of a random multiplicative bias field exp(b) (0 disables; SynthSeg uses 0.5).
  double bias_field = 0.0;
  // Standard deviation of log(gamma) of a random intensity gamma x -> x^gamma (0 disables).
  double gamma_std = 0.0;
};

// A random spatial deformation of a slice [H, W] (bilinear, zero outside), as in SynthSeg's brain generator:
// scaling by up to +-15 %, rotation by up to +-15 degrees, shear up to +-0.012, plus an elastic field drawn on
// a coarse grid (about 4 % of the slice size, at least 3 x 3) with a standard deviation of up to 3 pixels.
torch::Tensor random_deformation(const torch::Tensor& slice, SeededRandom& random);

// A smooth random multiplicative bias field [H, W]: exp(b) with b drawn on a 4 x 4 grid, upsampled
// bicubically, its standard deviation uniform in [0, max_std].
torch::Tensor random_bias_field(int64_t height, int64_t width, SeededRandom& random, double max_std);

// A new MR contrast for a magnitude image normalised to its 99th percentile: each pixel is a soft member of
// five intensity classes (centres 0, 0.25, 0.5, 0.7, 1; Gaussian memberships of random width), each class gets
// a random signal (air stays dark: the result fades to zero below 0.1), and members mix linearly as tissues do in a partial-volume voxel; a
// random fraction of the within-class texture is kept. The result is renormalised to its 99th percentile.
torch::Tensor synthetic_contrast(const torch::Tensor& magnitude, SeededRandom& random);

// 2-D slices of 3-D volumes [D, H, W] (e.g. the Colin27 atlas), with dihedral augmentation. `spacings_mm`
// gives each volume's (isotropic) voxel size for the pixel-size range; empty means 1 mm each.
class VolumeSliceSource final : public TrainingImageSource {
 public:
  VolumeSliceSource(std::vector<torch::Tensor> volumes, SliceSourceOptions options, std::vector<double> spacings_mm = {});
  torch::Tensor draw(SeededRandom& random) const override;
  int64_t channels() const override { return options_.complex ? 2 : 1; }

 private:
  std::vector<torch::Tensor> volumes_;  // normalised, float32
  std::vector<std::pair<double, double>> downscale_;  // per volume: the [min, max] shrink factor
  SliceSourceOptions options_;
};

// Images made on demand by a generator (e.g. random CT phantoms): `generate(seed)` -> [H, W] or [Ch, H, W],
// optionally cropped to random square patches, with dihedral augmentation. With patches, one generated
// image gives `patches_per_image` successive draws (each its own crop): a generator that costs more
// than the network's step on a patch (the anatomical CT phantoms) is then paid once per few patches.
class GeneratedImageSource final : public TrainingImageSource {
 public:
  GeneratedImageSource(std::function<torch::Tensor(uint64_t seed)> generate, int64_t channels, bool augment = true,
                       int64_t patch_size = 0, int64_t patches_per_image = 1);
  torch::Tensor draw(SeededRandom& random) const override;
  int64_t channels() const override { return channels_; }

 private:
  torch::Tensor generated(SeededRandom& random) const;

  std::function<torch::Tensor(uint64_t)> generate_;
  int64_t channels_;
  bool augment_;
  int64_t patch_size_;
  int64_t patches_per_image_;
  mutable std::mutex mutex_;     // guards the image kept for its next crops
  mutable torch::Tensor image_;
  mutable int64_t uses_left_ = 0;
};

}  // namespace diffrecon
