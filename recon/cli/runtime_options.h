// Options every command accepts: --threads N, --device cpu|cuda and --memory-limit GIB.
#pragma once

#include "core/memory_budget.h"
#include "recon/cli/command_line.h"

#include <torch/types.h>

#include <cstdlib>

namespace diffrecon::cli {

struct RuntimeOptions {
  int threads = 1;               // --threads, default: default_thread_count()
  torch::Device device = torch::kCPU;
  MemoryBudget memory = MemoryBudget::of_this_machine();  // --memory-limit: what inputs may make us allocate
};

// The thread count without --threads: SLURM_CPUS_PER_TASK when it holds a positive integer, else
// every core.
int default_thread_count(const char* slurm_cpus_per_task = std::getenv("SLURM_CPUS_PER_TASK"));

// Takes --threads, --device and --memory-limit from the command line and applies the thread count.
RuntimeOptions take_runtime_options(CommandLine& line);

}  // namespace diffrecon::cli
