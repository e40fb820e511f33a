// A batch split over n processes - the tasks of a Slurm job array, or shells started by hand - and
// merged afterwards (docs/dicom.md, "Batches on a cluster"):
//   - shard i of n owns the studies whose manifest position k has k mod n = i (a deterministic
//     assignment: every process computes the same one from the manifest alone); when the slices of
//     multi-slice studies are split (`--split-slices`), it owns slice s of study k when
//     (k + s) mod n = i, and writes it as a part (recon/pipeline/study_parts.h) the merge assembles;
//   - each shard leaves a record, <manifest>.shards/shard-<i>-of-<n>.json: host, seconds, peak
//     memory and every study's outcome;
//   - the merge checks that every study of the manifest is complete, names the missing ones and the
//     shard that owns them (rerunning that shard resumes it), and collects the shard records into
//     <manifest>.shards/batch-report.json.
// Nothing is sent to a PACS by a shard; the merge delivers, once.
#pragma once

#include "recon/pipeline/batch_manifest.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace diffrecon {

struct BatchShard {
  int64_t index = 0, count = 1;
  std::string source;  // how it was given: "--shard 2/4" or "SLURM_ARRAY_TASK_ID 2 of SLURM_ARRAY_TASK_COUNT 4"

  bool owns(size_t study_position, int64_t slice = 0) const {
    return int64_t((study_position + size_t(slice)) % size_t(count)) == index;
  }
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "i/n" with 0 <= i < n; InputError naming the text otherwise.
BatchShard parse_batch_shard(const std::string& text);

// The shard of a Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT); nullopt outside
// one. The array must be 0..n-1 (--array=0-N, with or without a %limit): InputError when the
// task's id is not below the count (a sparse array such as --array=1,3).
std::optional<BatchShard> batch_shard_from_environment(
    const std::function<const char*(const char*)>& environment = [](const char* name) { return std::getenv(name); });

struct ShardStudyOutcome {
  std::string id, status, detail;  // status: done | skipped | FAILED
};

struct ShardRecord {
  BatchShard shard;
  std::string host;
  double seconds = 0;
  int64_t peak_memory_bytes = 0;  // the largest of its studies' peaks
  std::vector<ShardStudyOutcome> studies;
};

// <manifest's folder>/<manifest's file name>.shards
std::filesystem::path shard_record_folder(const std::filesystem::path& manifest);

// Writes the record atomically (replacing an earlier run of the same shard).
void write_shard_record(const std::filesystem::path& manifest, const ShardRecord& record);
// Every record in the folder, by shard index; empty when there is none.
std::vector<ShardRecord> read_shard_records(const std::filesystem::path& manifest);

struct BatchMerge {
  std::vector<size_t> missing;       // manifest positions of studies without a complete folder
  std::vector<ShardRecord> records;  // of the shards that ran
  int64_t shard_count = 0;           // from the records (0 when none ran)
  std::filesystem::path report;      // batch-report.json, written by merge_batch
};

// Checks every study's folder and writes <manifest>.shards/batch-report.json (studies, their
// folders and state, the shards' hosts, seconds and peak memory). The caller refuses to deliver
// when `missing` is not empty.
BatchMerge merge_batch(const std::filesystem::path& manifest, const std::vector<BatchStudy>& studies);

// This machine's host name (for shard records).
std::string host_name();

}  // namespace diffrecon
