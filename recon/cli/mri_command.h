// `diffrecon mri`: reconstruct multi-coil Cartesian k-space (.cfl or ISMRMRD .h5) with zero-filling,
// root-sum-of-squares, CG-SENSE, L1-wavelet, TV or a posterior sampler, and the helpers
// `diffrecon mri mask` and `diffrecon mri espirit`.
#pragma once

#include "recon/cli/batch_study_request.h"

#include <string>
#include <vector>

namespace diffrecon::cli {

// `arguments` are those after "mri".
int run_mri(std::vector<std::string> arguments);

#ifdef DIFFRECON_HAS_STUDY_OUTPUT
// A batch row's options, parsed by the same option table as `diffrecon mri` into its typed study job
// (the input is read; nothing is reconstructed). UsageError for options the command would refuse.
BatchStudyRequest mri_study_request(const std::vector<std::string>& arguments);
#endif

}  // namespace diffrecon::cli
