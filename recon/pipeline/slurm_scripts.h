// The sbatch scripts that run a batch on a Slurm cluster (docs/dicom.md, "Batches on a cluster"): a
// job array whose task i runs `diffrecon batch MANIFEST` as shard i of n (the task reads i and n from
// SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT), and the merge job, submitted with
// --dependency=afterok on the array, which checks every study and then delivers (--send).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace diffrecon {

struct SlurmBatchRequest {
  std::filesystem::path executable;   // the diffrecon to run on the nodes (absolute)
  std::filesystem::path manifest;     // absolute
  std::vector<std::string> options;   // given to every study (and to the merge: --send, ...)
  int64_t tasks = 1;                  // array tasks, 0..tasks-1
  int64_t array_limit = 0;            // at most this many at once (0: no limit)
  std::string partition, time_limit, gres;  // empty: the cluster's defaults
  int64_t cpus_per_task = 0;          // 0: the cluster's default; the tasks' --threads follows it
  std::string job_name = "diffrecon";
};

// The array script; logs go to <manifest>.shards/logs/<array job>_<task>.log.
std::string slurm_array_script(const SlurmBatchRequest& request);
// The merge script (one task; log <manifest>.shards/logs/merge_<job>.log).
std::string slurm_merge_script(const SlurmBatchRequest& request);

// `text` quoted for a POSIX shell (single quotes).
std::string shell_quoted(const std::string& text);

}  // namespace diffrecon
