// Ellipse phantoms: the modified Shepp-Logan head and seeded random "body" phantoms, as lists of
// ellipses whose attenuations add up. Because every ellipse has a closed-form chord length, the
// same description gives both the image (rasterize) and exact line integrals (line_integral), so
// projector and reconstruction tests compare against data that were not made with the projector
// (no inverse crime).
//
// Units: lengths in millimetres, attenuation in 1/mm, angles in degrees counter-clockwise, x to the
// right and y up (see ct/image_grid.h for how pixels map to millimetres).
#pragma once

#include "ct/image_grid.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace diffrecon::ct {

struct Ellipse {
  double attenuation_per_mm = 0.0;  // added inside the ellipse (may be negative)
  double semi_axis_x_mm = 1.0;      // semi-axis along x before rotation
  double semi_axis_y_mm = 1.0;      // semi-axis along y before rotation
  double centre_x_mm = 0.0;
  double centre_y_mm = 0.0;
  double rotation_deg = 0.0;        // counter-clockwise
};

struct EllipsePhantom {
  std::vector<Ellipse> ellipses;
};

// The modified Shepp-Logan phantom (Toft; MATLAB/Octave `phantom('Modified Shepp-Logan')`, table in
// docs: reference ct.md 3.1) scaled to [-radius_mm, radius_mm]^2, with every intensity multiplied
// by `attenuation_scale_per_mm`. The defaults give the textbook phantom on [-1, 1]^2 (brain 0.2,
// skull 1.0). For a water-like head, e.g. radius 128 mm and scale 0.1/mm gives brain 0.02/mm.
EllipsePhantom modified_shepp_logan(double radius_mm = 1.0, double attenuation_scale_per_mm = 1.0);

// Random body-like phantoms. Structures are drawn in Hounsfield units and converted with
// mu = mu_water * (1 + HU / 1000) (mu_air taken as 0): a body ellipse of soft tissue, soft-tissue
// organs, bones, air pockets (lung, bowel gas) and small low-contrast lesions. Bones and air pockets
// never overlap anything else inside the body, so every pixel is >= 0 and tissue values stay in
// their realistic range; organs and lesions may overlap each other.
struct RandomEllipseOptions {
  double field_of_view_mm = 256.0;    // the body lies inside the disc of this diameter centred on 0
  double mu_water_per_mm = 0.0192;    // ~70 keV effective energy
  double body_hu_min = -100.0, body_hu_max = 60.0;
  int organs_min = 2, organs_max = 6;
  double organ_contrast_hu_min = 20.0, organ_contrast_hu_max = 150.0;  // sign drawn at random
  int bones_min = 0, bones_max = 3;
  double bone_contrast_hu_min = 300.0, bone_contrast_hu_max = 1200.0;
  int air_pockets_min = 0, air_pockets_max = 2;
  double air_hu_min = -900.0, air_hu_max = -600.0;                     // absolute HU inside the pocket
  int lesions_min = 1, lesions_max = 4;
  double lesion_radius_mm_min = 2.0, lesion_radius_mm_max = 8.0;
  double lesion_contrast_hu_min = 5.0, lesion_contrast_hu_max = 40.0;  // sign drawn at random

  // Throws std::invalid_argument naming the first inconsistent field.
  void validate() const;
};

// The same seed gives the same phantom on every platform (std::mt19937_64 with an explicit
// conversion to doubles; no std:: distributions, whose output is implementation-defined).
EllipsePhantom random_ellipse_phantom(uint64_t seed, const RandomEllipseOptions& options = {});

// The phantom sampled on `grid`: each pixel is the mean over supersampling x supersampling points
// spread evenly inside it (1 = the pixel centre), as a [rows, columns] tensor of `dtype` on the CPU.
torch::Tensor rasterize(const EllipsePhantom& phantom, const ImageGrid& grid, int supersampling = 1,
                        torch::ScalarType dtype = torch::kFloat32);

// `count` random phantoms with seeds first_seed, first_seed + 1, ... rasterised on `grid`:
// [count, rows, columns] (a training batch for a CT prior; image k is rasterize(random_ellipse_phantom(first_seed + k))).
torch::Tensor random_ellipse_images(uint64_t first_seed, int64_t count, const ImageGrid& grid,
                                    const RandomEllipseOptions& options = {}, int supersampling = 4,
                                    torch::ScalarType dtype = torch::kFloat32);

// The exact line integral (1/mm x mm = dimensionless) of the phantom along the infinite line
// through (x_mm, y_mm) with direction (direction_x, direction_y) (any non-zero length).
double line_integral(const EllipsePhantom& phantom, double x_mm, double y_mm, double direction_x, double direction_y);

// Parallel-beam form: the line {x cos(theta) + y sin(theta) = s}, theta in radians.
double parallel_line_integral(const EllipsePhantom& phantom, double theta_rad, double s_mm);

}  // namespace diffrecon::ct
