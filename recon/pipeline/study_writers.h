// A reconstruction written as a study folder (recon/pipeline/study_output.h): the image series (MR
// magnitude or CT Hounsfield units), the posterior standard deviation series when there is one,
// preview.png and report.json, placed in patient space by the modality's own rule (the ISMRMRD
// header's slice geometry; ct::patient_placement).
#pragma once

#include "ct/geometry_json.h"
#include "recon/pipeline/mri_input.h"
#include "recon/pipeline/reconstruction.h"
#include "recon/pipeline/study_output.h"

#include <filesystem>
#include <optional>

namespace diffrecon {

struct StudySettings {
  std::optional<DicomStudy> study;  // patient and study; default: from the ISMRMRD header (MRI), empty (CT)
  std::string uid_root = kDefaultDicomUidRoot;
  Overwrite overwrite = Overwrite::Refuse;
  // Empty: fresh UIDs. `diffrecon batch` derives them from the study's job (its arguments and the
  // software version), so every run of the same job - sharded or not - writes the same UIDs.
  std::string uid_key;
};

StudyOutput write_mri_study(const std::filesystem::path& folder, const MriInput& input, const Reconstruction& result,
                            const StudySettings& settings = {});

// `result.image` in 1/mm; written in HU with `mu_water_per_mm`; slices of a stack `slice_mm` apart.
StudyOutput write_ct_study(const std::filesystem::path& folder, const ct::CtGeometry& geometry,
                           const Reconstruction& result, double mu_water_per_mm, double slice_mm = 1.0,
                           const StudySettings& settings = {});

}  // namespace diffrecon
