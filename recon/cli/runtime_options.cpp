#include "recon/cli/runtime_options.h"

#include "core/version.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

namespace diffrecon::cli {

int default_thread_count(const char* slurm_cpus_per_task) {
  if (slurm_cpus_per_task) {
    const std::string text = slurm_cpus_per_task;
    if (!text.empty() && text.size() < 5 && std::all_of(text.begin(), text.end(), ::isdigit) && std::stoi(text) >= 1)
      return std::stoi(text);
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

RuntimeOptions take_runtime_options(CommandLine& line) {
  RuntimeOptions options;
  // OpenMP may start LibTorch on one thread in containers; default to every core, or inside a Slurm
  // job to the CPUs Slurm gave each task (SLURM_CPUS_PER_TASK, set when the job asked --cpus-per-task).
  options.threads = line.take_int_option("--threads", 1).value_or(default_thread_count());
  at::set_num_threads(options.threads);
  if (auto gib = line.take_double_option("--memory-limit", 0.0, true))
    options.memory = MemoryBudget(static_cast<int64_t>(std::min(*gib, 1e9) * 1024.0 * 1024.0 * 1024.0));
  if (auto device = line.take_option("--device")) {
    if (*device == "cpu") {
      options.device = torch::kCPU;
    } else if (*device == "cuda" || device->rfind("cuda:", 0) == 0) {
      if (!torch_has_cuda())
        throw UsageError("--device " + *device + ": this LibTorch build (" + torch_version() +
                         ") cannot use CUDA here (CPU-only build or no GPU)");
      try {
        options.device = torch::Device(*device);
      } catch (const c10::Error&) {
        throw UsageError("--device expects cpu or cuda[:N], got '" + *device + "'");
      }
    } else {
      throw UsageError("--device expects cpu or cuda[:N], got '" + *device + "'");
    }
  }
  return options;
}

}  // namespace diffrecon::cli
