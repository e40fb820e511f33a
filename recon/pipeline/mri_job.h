// A typed MRI reconstruction job: an acquisition, how each slice becomes a SENSE model
// (mri/sense_model.h) and the method, classical (zero-filled, root-sum-of-squares, CG-SENSE,
// L1-wavelet, TV) or posterior sampling with a diffusion prior. run_mri_job() is what `diffrecon mri`,
// the demo, `diffrecon batch` and the benchmarks call, so each gets the same images and record.
#pragma once

#include "mri/classical_reconstruction.h"
#include "mri/sense_model.h"
#include "recon/pipeline/reconstruction.h"

#include <optional>
#include <string>
#include <vector>

namespace diffrecon {

enum class MriMethodKind { Classical, RootSumOfSquares, Posterior };

struct MriJob {
  mri::Acquisition acquisition;
  mri::SenseModelOptions model;
  MriMethodKind kind = MriMethodKind::Classical;
  mri::ReconstructionOptions classical;  // Classical
  PosteriorSettings posterior;           // Posterior
  // Posterior: the k-space noise std per complex sample after whitening (E|n|^2 = sigma^2); 0: unknown, or 1
  // when the data were pre-whitened with the acquisition's noise samples.
  double noise_sigma = 0.0;
  std::string coil_maps_source;          // for the record: a file name, "espirit" or "low-resolution"
  std::vector<std::string> inputs;       // files read, for the record
  torch::Device device = torch::kCPU;
};

// The method's name as the record and the CLI spell it: "rss", "cg", "l1", "tv", "zero", "daps", ...
std::string method_name(const MriJob& job);

// Reconstructs every slice. Throws InputError for data or settings that cannot work (shapes, prior).
Reconstruction run_mri_job(const MriJob& job, const JobObserver& observer = {});

}  // namespace diffrecon
