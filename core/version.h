// Version strings recorded in every output (DESIGN: outputs record software version).
#pragma once

#include <string>

namespace diffrecon {

std::string diffrecon_version();  // e.g. "0.1.0"
std::string torch_version();      // the LibTorch DiffRecon was built against, e.g. "1.13.1"
bool torch_has_cuda();             // whether that LibTorch can run on CUDA devices at run time

}  // namespace diffrecon
