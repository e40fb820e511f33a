// diffrecon prior train|sample|denoise: training the built-in diffusion prior and inspecting priors.
#pragma once

#include "recon/cli/command_line.h"

namespace diffrecon::cli {

int run_prior_command(CommandLine& line);

}  // namespace diffrecon::cli
