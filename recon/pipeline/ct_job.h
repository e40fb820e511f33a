// A typed CT reconstruction job: a measured sinogram (or a stack of them), its geometry and the
// method, classical (FBP, SIRT, CGLS, TV, photon-weighted with a known incident photon count) or
// posterior sampling with a diffusion prior. run_ct_job() is what `diffrecon ct`, batches and the
// benchmarks call.
#pragma once

#include "ct/filtered_back_projection.h"
#include "ct/geometry_json.h"
#include "recon/pipeline/reconstruction.h"

#include <optional>
#include <string>
#include <vector>

namespace diffrecon {

enum class CtMethodKind { FilteredBackProjection, Sirt, Cgls, TotalVariation, Posterior };

struct CtJob {
  torch::Tensor sinogram;  // float [views, detectors] or [slices, views, detectors], line integrals
  ct::CtGeometry geometry;
  CtMethodKind kind = CtMethodKind::FilteredBackProjection;
  ct::FilteredBackProjectionOptions fbp;  // FBP, and the first estimate of TV and the posterior methods
  int iterations = 0;                     // SIRT, CGLS, TV; 0: 100, 30, 300
  double lambda = 0.2;                    // TV: weight of TV(x) against 1/2 ||A x - y||^2
  std::optional<double> photons;          // TV and posterior: weight the rays by their photon statistics
  PosteriorSettings posterior;            // the sampler's recipe; MCG projects with the ART step
  std::vector<std::string> inputs;        // files read, for the record
  torch::Device device = torch::kCPU;
};

// "fbp", "sirt", "cgls", "tv", or the sampler's name.
std::string method_name(const CtJob& job);
// The inverse of method_name for the classical methods and the registered samplers; nullopt otherwise.
std::optional<CtMethodKind> parse_ct_method(const std::string& name);

// Reconstructs the sinogram (a stack slice by slice for the posterior methods, at once otherwise).
// The image comes back as attenuation in 1/mm, [slices, rows, columns].
Reconstruction run_ct_job(const CtJob& job, const JobObserver& observer = {});

}  // namespace diffrecon
