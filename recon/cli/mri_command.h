// `diffrecon mri`: reconstruct multi-coil Cartesian k-space (.cfl or ISMRMRD .h5) with zero-filling,
// CG-SENSE, L1-wavelet or TV, and the helpers `diffrecon mri mask` and `diffrecon mri espirit`.
#pragma once

#include <string>
#include <vector>

namespace diffrecon::cli {

// `arguments` are those after "mri".
int run_mri(std::vector<std::string> arguments);

}  // namespace diffrecon::cli
