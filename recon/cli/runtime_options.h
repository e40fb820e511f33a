// Options every command accepts: --threads N and --device cpu|cuda.
#pragma once

#include "recon/cli/command_line.h"

#include <torch/types.h>

namespace diffrecon::cli {

struct RuntimeOptions {
  int threads = 1;               // --threads, default: every core
  torch::Device device = torch::kCPU;
};

// Takes --threads and --device from the command line and applies the thread count.
RuntimeOptions take_runtime_options(CommandLine& line);

}  // namespace diffrecon::cli
