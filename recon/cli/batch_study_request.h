// One row of `diffrecon batch` as a typed job: the study job the pipeline runs and where the
// finished folder is delivered (--send), built from the row's options by the modality command's
// own option table (recon/cli/mri_command.h, recon/cli/ct_command.h).
#pragma once

#ifdef DIFFRECON_HAS_STUDY_OUTPUT
#include "recon/cli/command_line.h"
#include "recon/cli/study_options.h"
#include "recon/pipeline/study_job.h"

namespace diffrecon::cli {

struct BatchStudyRequest {
  StudyJob job;
  StudyOptions delivery;
};

// A modality command's parsed request (with `to_folder`, `out` and `study`) as a batch row: the row must
// write a study folder. `study_job_of` is the command's own request -> job conversion.
template <class Request, class ToJob>
BatchStudyRequest batch_study_request(Request request, ToJob study_job_of) {
  if (!request.to_folder) throw UsageError("a batch study writes a study folder, not '" + request.out + "'");
  BatchStudyRequest batch;
  batch.delivery = request.study;
  batch.job = study_job_of(std::move(request));
  return batch;
}

}  // namespace diffrecon::cli
#endif
