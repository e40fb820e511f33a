// `diffrecon demo`: the main job on built-in data (a simulated multi-coil brain scan, reconstructed
// and written as a DICOM study); `diffrecon demo --self-check`: the operator and solver self-check.
#pragma once

#include "recon/cli/command_line.h"

namespace diffrecon::cli {

int run_demo(CommandLine& line);

}  // namespace diffrecon::cli
