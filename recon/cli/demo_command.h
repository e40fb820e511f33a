// `diffrecon demo`: the main job on built-in data. For now, a self-check of the operator core and
// the classical solvers on a simulated undersampled acquisition; it grows with the project.
#pragma once

#include "recon/cli/command_line.h"

namespace diffrecon::cli {

int run_demo(CommandLine& line);

}  // namespace diffrecon::cli
