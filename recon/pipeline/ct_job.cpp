#include "recon/pipeline/ct_job.h"

#include "core/error.h"
#include "ct/iterative_reconstruction.h"
#include "ct/joseph_projector.h"
#include "ct/projection_model.h"
#include "recon/pipeline/peak_memory.h"
#include "recon/pipeline/slice_posteriors.h"

#include <c10/util/StringUtil.h>

#include <chrono>

namespace diffrecon {
namespace {

int default_iterations(CtMethodKind kind) {
  return kind == CtMethodKind::Sirt ? 100 : kind == CtMethodKind::Cgls ? 30 : 300;
}

// SIRT, CGLS or TV on the whole stack, with progress reported as (label, iteration, total).
SolverResult iterate(const CtJob& job, const JobObserver& observer, std::string& detail) {
  const auto projector = ct::make_projector(job.geometry.projection, job.geometry.image);
  const auto y = job.sinogram.to(job.device);
  const int total = job.iterations > 0 ? job.iterations : default_iterations(job.kind);
  const std::string label = "ct " + method_name(job);
  const IterationCallback report = [&](const IterationReport& step) {
    if (observer.iteration) observer.iteration(label, step.iteration, total, step.residual);
    return true;
  };
  SolverResult result;
  if (job.kind == CtMethodKind::Sirt) {
    ct::SirtOptions options;
    options.iterations = total;
    options.callback = report;
    result = ct::sirt(*projector, y, options);
  } else if (job.kind == CtMethodKind::Cgls) {
    result = ct::cgls(*projector, y, {total, report});
  } else {
    ct::TvReconstructionOptions options;
    options.iterations = total;
    options.callback = report;
    options.lambda = job.lambda;
    options.initial = ct::first_estimate(job.sinogram, job.geometry, job.fbp).clamp_min(0.0).to(job.device);
    const auto data = ct::measured_problem(projector, y, job.photons);
    result = ct::tv_reconstruction(data.op(), data.measurement(), options);
    detail = "lambda " + std::to_string(options.lambda) + (job.photons ? ", photon-weighted, " : ", ");
  }
  detail += std::to_string(result.iterations) + " iterations";
  return result;
}

// Each slice of the stack sampled with its own problem and seed (slices sharing network passes:
// recon/pipeline/slice_posteriors.h); the record takes the last slice's sampler parameters.
void sample(const CtJob& job, const JobObserver& observer, Reconstruction& result) {
  const auto prior = load_posterior_prior(job.posterior, job.device);
  const auto projector = ct::make_projector(job.geometry.projection, job.geometry.image);
  const bool stack = job.sinogram.dim() == 3;
  const int64_t slices = stack ? job.sinogram.size(0) : 1;
  const auto problem_of = [&](int64_t k) {
    const auto sinogram = stack ? job.sinogram[k] : job.sinogram;
    return SlicePosteriorProblem{ct::measured_problem(projector, sinogram.to(job.device), job.photons),
                                 ct::first_estimate(sinogram, job.geometry, job.fbp).to(job.device)};
  };
  const auto volume = sample_slice_posteriors(slices, problem_of, job.posterior, prior, job.device,
                                              "ct " + job.posterior.recipe.method, observer);
  fill_reconstruction(result, volume, job.posterior);
  result.record.parameters.emplace(result.record.parameters.begin(), "detail",
                                   std::to_string(job.posterior.samples) + " samples, NFE " +
                                       std::to_string(result.record.nfe.value_or(0)));
}

}  // namespace

std::string method_name(const CtJob& job) {
  switch (job.kind) {
    case CtMethodKind::FilteredBackProjection: return "fbp";
    case CtMethodKind::Sirt: return "sirt";
    case CtMethodKind::Cgls: return "cgls";
    case CtMethodKind::TotalVariation: return "tv";
    case CtMethodKind::Posterior: break;
  }
  return job.posterior.recipe.method;
}

std::optional<CtMethodKind> parse_ct_method(const std::string& name) {
  if (name == "fbp") return CtMethodKind::FilteredBackProjection;
  if (name == "sirt") return CtMethodKind::Sirt;
  if (name == "cgls") return CtMethodKind::Cgls;
  if (name == "tv") return CtMethodKind::TotalVariation;
  if (is_sampler_name(name)) return CtMethodKind::Posterior;
  return std::nullopt;
}

Reconstruction run_ct_job(const CtJob& job, const JobObserver& observer) {
  const auto started = std::chrono::steady_clock::now();
  PeakMemoryMeter memory;
  ct::check_sinogram_shape(job.sinogram, job.geometry.projection,
                           job.inputs.empty() ? std::string("sinogram") : "sinogram '" + job.inputs.front() + "'");
  Reconstruction result;
  std::string detail;
  if (job.kind == CtMethodKind::Posterior) {
    auto posterior = job;
    // MCG's data step on the measured views is the normalised ART step of the official CT code
    // (docs/samplers.md, section 3): column sums, not MRI's k-space replacement.
    posterior.posterior.recipe.projection = ProjectionPreconditioner::ColumnSums;
    sample(posterior, observer, result);
  } else {
    torch::Tensor image;
    if (job.kind == CtMethodKind::FilteredBackProjection) {
      image = ct::first_estimate(job.sinogram, job.geometry, job.fbp);
      detail = std::string("filter ") + ct::ramp_filter_name(job.fbp.filter) + ", cutoff " +
               std::to_string(ct::resolved_frequency_cutoff(job.fbp, job.geometry.projection, job.geometry.image));
    } else {
      image = iterate(job, observer, detail).x;
    }
    image = image.to(torch::kCPU);
    result.image = image.dim() == 2 ? image.unsqueeze(0) : image;
    result.record.parameters = {{"detail", detail}};
  }
  result.record.parameters.emplace_back("geometry", ct::describe(job.geometry.projection));
  if (job.photons) result.record.parameters.emplace_back("photons", c10::str(*job.photons));
  const bool posterior = job.kind == CtMethodKind::Posterior;
  close_job_record(result.record, "ct", method_name(job), job.inputs, posterior ? &job.posterior : nullptr, started, memory);
  return result;
}

}  // namespace diffrecon
