// The simulated multi-coil scan the MRI sampler benchmarks share: 8 birdcage coils normalised to a unit
// root-sum-of-squares (known to every method), random phase-encode lines with 24 ACS lines, complex
// noise of 0.02 of the coil k-space RMS (bench/sampler_benchmark.cpp, bench/mri_heldout_benchmark.cpp,
// bench/throughput_benchmark.cpp).
#pragma once

#include "core/seeded_random.h"
#include "mri/sampling_mask.h"
#include "mri/sense_operator.h"
#include "mri/simulated_coils.h"

#include <memory>

namespace diffrecon::bench {

struct SimulatedScan {
  torch::Tensor maps, mask, kspace;
  std::shared_ptr<mri::SenseOperator> sense;  // with the mask
  double sigma = 0;                           // noise std per complex sample
};

// `truth`: a complex image [H, W]. The mask is drawn from `mask_seed`, the noise from `noise_seed`.
inline SimulatedScan simulate_scan(const torch::Tensor& truth, double acceleration, uint64_t mask_seed,
                                   uint64_t noise_seed) {
  SimulatedScan scan;
  const int64_t height = truth.size(0), width = truth.size(1);
  scan.maps = mri::birdcage_sensitivities(8, height, width);
  scan.maps = scan.maps / scan.maps.abs().square().sum(0, true).sqrt();
  scan.mask = mri::random_line_mask({height, width, acceleration, 24, mask_seed});
  scan.sense = std::make_shared<mri::SenseOperator>(scan.maps, scan.mask);
  const auto clean = mri::SenseOperator(scan.maps).forward(truth);
  scan.sigma = 0.02 * clean.abs().square().mean().sqrt().item<double>();
  SeededRandom random(noise_seed);
  scan.kspace = (clean + scan.sigma * random.normal_like(clean)) * scan.mask;
  return scan;
}

}  // namespace diffrecon::bench
