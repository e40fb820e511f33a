#include "recon/pipeline/study_job.h"

#include "recon/pipeline/reference_metrics.h"

namespace diffrecon {

StudyOutput run_study_job(const StudyJob& job, const JobObserver& observer) {
  if (const auto* mri = std::get_if<MriStudy>(&job.work)) {
    auto result = run_mri_job(mri->job, observer);
    // Magnitude, scaled onto the reference (MR units are arbitrary).
    if (job.reference) add_reference_metrics(result.record, result.image, *job.reference);
    return write_mri_study(job.folder, mri->input, result, job.settings);
  }
  const auto& ct = std::get<CtStudy>(job.work);
  auto result = run_ct_job(ct.job, observer);
  result.record.parameters.emplace_back("mu_water_per_mm", c10::str(ct.mu_water_per_mm));
  if (job.reference)  // Hounsfield units as given (`ct phantom --hu` writes references so)
    add_reference_metrics(result.record, ct::attenuation_to_hounsfield(result.image, ct.mu_water_per_mm), *job.reference,
                          ReferenceScale::AsGiven);
  return write_ct_study(job.folder, ct.job.geometry, result, ct.mu_water_per_mm, ct.slice_mm, job.settings);
}

}  // namespace diffrecon
