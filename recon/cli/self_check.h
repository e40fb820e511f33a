#pragma once

#include "recon/cli/runtime_options.h"

namespace diffrecon::cli {

// Prints the operator table and the phantom reconstructions; 0 when every operator check passes.
int run_self_check(const RuntimeOptions& runtime);

}  // namespace diffrecon::cli
