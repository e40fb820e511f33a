// k-space sampling masks for Cartesian acquisitions, as real 0/1 tensors of shape [H, W] (H the
// readout, W the phase encode; mri/sense_operator.h). Every random mask is a deterministic function
// of its seed. The centre of k-space is index N/2 (the centred FFT convention).
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace diffrecon::mri {

struct LineMaskOptions {
  int64_t height = 0;          // readout samples (every line is fully sampled along H)
  int64_t width = 0;           // phase-encode lines
  double acceleration = 4.0;   // width / sampled lines, ACS included
  int64_t acs_lines = 24;      // fully sampled centre (autocalibration signal), centred on W/2
  uint64_t seed = 0;           // random_line_mask only
};

// Phase-encode lines drawn uniformly without replacement outside the ACS block, so that the total
// number of lines is round(width / acceleration) (fastMRI's RandomMaskFunc, without its density).
torch::Tensor random_line_mask(const LineMaskOptions& options);

// Every `acceleration`-th line (rounded to an integer step), aligned so that the centre line W/2 is
// sampled, plus the ACS block. The acceleration achieved is therefore a little below the step.
torch::Tensor equispaced_line_mask(const LineMaskOptions& options);

struct PoissonDiscOptions {
  int64_t height = 0;
  int64_t width = 0;
  double acceleration = 4.0;   // H*W / samples, calibration included (matched within `tolerance`)
  int64_t calibration = 24;    // fully sampled centred square (min with H and W)
  bool variable_density = true;
  uint64_t seed = 11235;       // BART poisson's default seed
  double tolerance = 0.1;      // on the achieved acceleration
  int max_attempts = 30;       // Bridson's candidate count per active sample
};

// 2-D Poisson-disc sampling (Bridson, SIGGRAPH 2007 sketch) with a radius growing linearly with the
// distance from the k-space centre when variable_density (the scheme of SigPy's mri.poisson); the
// slope is bisected until the acceleration matches.
torch::Tensor poisson_disc_mask(const PoissonDiscOptions& options);

// The samples present in multi-coil k-space [..., C, H, W]: where any coil is non-zero (as BART's
// pics infers its pattern). Returns [H, W].
torch::Tensor mask_from_kspace(const torch::Tensor& kspace);

// A mask read from a file, as [H, W] 0/1: `pattern` must broadcast to [H, W] once leading size-1
// dims are dropped; non-zero entries are sampled. Throws std::invalid_argument naming `source`.
torch::Tensor mask_from_pattern(const torch::Tensor& pattern, int64_t height, int64_t width, const std::string& source);

// H*W / number of samples.
double acceleration_of(const torch::Tensor& mask);

}  // namespace diffrecon::mri
