// One row of `diffrecon batch` as a typed job: the study job the pipeline runs and where the
// finished folder is delivered (--send), built from the row's options by the modality command's
// own option table (recon/cli/mri_command.h, recon/cli/ct_command.h).
#pragma once

#ifdef DIFFRECON_HAS_STUDY_OUTPUT
#include "recon/cli/study_options.h"
#include "recon/pipeline/study_job.h"

namespace diffrecon::cli {

struct BatchStudyRequest {
  StudyJob job;
  StudyOptions delivery;
};

}  // namespace diffrecon::cli
#endif
