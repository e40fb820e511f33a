#include "recon/pipeline/study_job.h"

#include "core/error.h"
#include "recon/pipeline/reference_metrics.h"

namespace diffrecon {

Reconstruction reconstruct_study(const StudyJob& job, const JobObserver& observer) {
  if (const auto* mri = std::get_if<MriStudy>(&job.work)) return run_mri_job(mri->job, observer);
  const auto& ct = std::get<CtStudy>(job.work);
  auto result = run_ct_job(ct.job, observer);
  result.record.parameters.emplace_back("mu_water_per_mm", c10::str(ct.mu_water_per_mm));
  return result;
}

StudyOutput finish_study(const StudyJob& job, Reconstruction result) {
  if (const auto* mri = std::get_if<MriStudy>(&job.work)) {
    // Magnitude, scaled onto the reference (MR units are arbitrary).
    if (job.reference) add_reference_metrics(result.record, result.image, *job.reference);
    return write_mri_study(job.folder, mri->input, result, job.settings);
  }
  const auto& ct = std::get<CtStudy>(job.work);
  if (job.reference)  // Hounsfield units as given (`ct phantom --hu` writes references so)
    add_reference_metrics(result.record, ct::attenuation_to_hounsfield(result.image, ct.mu_water_per_mm), *job.reference,
                          ReferenceScale::AsGiven);
  return write_ct_study(job.folder, ct.job.geometry, result, ct.mu_water_per_mm, ct.slice_mm, job.settings);
}

StudyOutput run_study_job(const StudyJob& job, const JobObserver& observer) {
  return finish_study(job, reconstruct_study(job, observer));
}

PosteriorSettings* posterior_settings_of(StudyJob& job) {
  if (auto* mri = std::get_if<MriStudy>(&job.work))
    return mri->job.kind == MriMethodKind::Posterior ? &mri->job.posterior : nullptr;
  auto& ct = std::get<CtStudy>(job.work).job;
  return ct.kind == CtMethodKind::Posterior ? &ct.posterior : nullptr;
}

int64_t study_slices(const StudyJob& job) {
  if (const auto* mri = std::get_if<MriStudy>(&job.work)) return mri->job.acquisition.slices();
  const auto& sinogram = std::get<CtStudy>(job.work).job.sinogram;
  return sinogram.dim() == 3 ? sinogram.size(0) : 1;
}

StudyJob study_job_slice(const StudyJob& job, int64_t slice) {
  const int64_t slices = study_slices(job);
  if (slice < 0 || slice >= slices)
    throw InternalError("study_job_slice: slice " + std::to_string(slice) + " of " + std::to_string(slices));
  StudyJob part = job;
  const auto one = [slice](const torch::Tensor& t) { return t.defined() ? t.narrow(0, slice, 1) : t; };
  if (auto* mri = std::get_if<MriStudy>(&part.work)) {
    auto& acquisition = mri->job.acquisition;
    acquisition.kspace = one(acquisition.kspace);
    acquisition.mask = one(acquisition.mask);
    auto& maps = mri->job.model.given_maps;
    if (maps.defined() && maps.size(0) > 1) maps = one(maps);
    return part;
  }
  auto& sinogram = std::get<CtStudy>(part.work).job.sinogram;
  if (sinogram.dim() == 3) sinogram = one(sinogram);
  return part;
}

}  // namespace diffrecon
