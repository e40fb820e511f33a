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

StudyOutput run_study_job(const StudyJob& job, const JobObserver& observer = {});

}  // namespace diffrecon
