#include "recon/pipeline/slurm_scripts.h"

#include "recon/pipeline/batch_shards.h"

#include <sstream>

namespace diffrecon {
namespace {

std::string header(const SlurmBatchRequest& request, const std::string& name, const std::string& log) {
  std::ostringstream text;
  text << "#!/bin/bash\n"
       << "# Written by `diffrecon batch " << request.manifest.filename().string() << " --slurm`.\n"
       << "#SBATCH --job-name=" << name << "\n"
       << "#SBATCH --output=" << (shard_record_folder(request.manifest) / "logs" / log).string() << "\n";
  if (!request.partition.empty()) text << "#SBATCH --partition=" << request.partition << "\n";
  if (!request.time_limit.empty()) text << "#SBATCH --time=" << request.time_limit << "\n";
  return text.str();
}

std::string command(const SlurmBatchRequest& request, const std::vector<std::string>& extra) {
  std::string line = "exec " + shell_quoted(request.executable.string()) + " batch " + shell_quoted(request.manifest.string());
  for (const auto& option : request.options) line += " " + shell_quoted(option);
  for (const auto& option : extra) line += " " + option;
  return line + "\n";
}

}  // namespace

std::string shell_quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string slurm_array_script(const SlurmBatchRequest& request) {
  std::ostringstream text;
  text << header(request, request.job_name, "%A_%a.log");
  text << "#SBATCH --array=0-" << request.tasks - 1;
  if (request.array_limit > 0) text << "%" << request.array_limit;
  text << "\n";
  if (request.cpus_per_task > 0) text << "#SBATCH --cpus-per-task=" << request.cpus_per_task << "\n";
  if (!request.gres.empty()) text << "#SBATCH --gres=" << request.gres << "\n";
  text << "# Task i of n reconstructs the studies at manifest positions k with k mod n = i; its threads\n"
       << "# follow SLURM_CPUS_PER_TASK, and --device cuda uses the GPU Slurm assigns (CUDA_VISIBLE_DEVICES).\n"
       << command(request, {});
  return text.str();
}

std::string slurm_merge_script(const SlurmBatchRequest& request) {
  std::ostringstream text;
  text << header(request, request.job_name + "-merge", "merge_%j.log");
  text << "# Runs after every array task succeeded (--dependency=afterok): checks every study, writes\n"
       << "# batch-report.json, and delivers (--send) once.\n"
       << command(request, {"--merge"});
  return text.str();
}

}  // namespace diffrecon
