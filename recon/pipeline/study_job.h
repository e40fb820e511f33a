// One study reconstructed into a study folder, as `diffrecon mri|ct --out DIR/` and every row of
// `diffrecon batch` do it: a typed MRI or CT job, an optional reference to score against, and the
// folder with its DICOM settings. run_study_job() reconstructs, scores and writes the folder whole.
#pragma once

#include "ct/hounsfield.h"
#include "recon/pipeline/ct_job.h"
#include "recon/pipeline/mri_input.h"
#include "recon/pipeline/mri_job.h"
#include "recon/pipeline/study_writers.h"

#include <filesystem>
#include <optional>
#include <string>
#include <variant>

namespace diffrecon {

struct MriStudy {
  MriInput input;  // for the study's patient, geometry and the record's inputs
  MriJob job;
};

struct CtStudy {
  CtJob job;
  double mu_water_per_mm = ct::kDefaultMuWaterPerMm;  // HU in the series
  double slice_mm = 1.0;                                // between the slices of a stack
};

struct StudyJob {
  std::variant<MriStudy, CtStudy> work;
  std::filesystem::path folder;
  StudySettings settings;
  std::optional<std::string> reference;  // an image file or DICOM folder: PSNR/SSIM/NRMSE in the report
};

// Reconstructs, scores and writes the folder: finish_study(job, reconstruct_study(job)).
StudyOutput run_study_job(const StudyJob& job, const JobObserver& observer = {});

// The two halves, for a study whose slices are reconstructed by several processes and written by
// one (recon/pipeline/study_parts.h): the images with their record; then the scores against the
// reference (when there is one) and the folder.
Reconstruction reconstruct_study(const StudyJob& job, const JobObserver& observer = {});
StudyOutput finish_study(const StudyJob& job, Reconstruction result);

// The posterior settings of a posterior study; nullptr for a classical one.
PosteriorSettings* posterior_settings_of(StudyJob& job);

// The slices of the study's input (MRI: the acquisition's; CT: the sinogram stack's, 1 for one).
int64_t study_slices(const StudyJob& job);
// The same study restricted to slice `slice` (its reconstruction is that slice of the whole study's:
// every method works slice by slice, with the slice's own seed-derived randomness).
StudyJob study_job_slice(const StudyJob& job, int64_t slice);

}  // namespace diffrecon
