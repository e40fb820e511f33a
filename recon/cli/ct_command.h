// `diffrecon ct`: CT reconstruction from a sinogram and a geometry file, plus the `phantom`,
// `project` and `geometry` helpers that make test data (docs/ct.md).
#pragma once

#include "recon/cli/batch_study_request.h"

#include <string>
#include <vector>

namespace diffrecon::cli {

// `arguments` are those after "ct".
int run_ct(const std::vector<std::string>& arguments);

#ifdef DIFFRECON_HAS_STUDY_OUTPUT
// A batch row's options, parsed by the same option table as `diffrecon ct` into its typed study job.
BatchStudyRequest ct_study_request(const std::vector<std::string>& arguments);
#endif

}  // namespace diffrecon::cli
