// Sharding a batch: the i/n syntax, the Slurm array environment, the deterministic assignment,
// shard records round-tripping, the merge naming what is missing; the sbatch scripts; UIDs derived
// from a key.
#include "io/dicom_uid.h"
#include "recon/pipeline/batch_shards.h"
#include "recon/pipeline/slurm_scripts.h"
#include "tests/scratch_folder.h"

#include "core/error.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace diffrecon {
namespace {

TEST(BatchShard, ParsesIOverNAndRefusesTheRest) {
  const auto shard = parse_batch_shard("2/4");
  EXPECT_EQ(shard.index, 2);
  EXPECT_EQ(shard.count, 4);
  for (const char* bad : {"4/4", "1", "/3", "a/3", "1/0", "-1/3", "1/3/4", ""}) {
    try {
      parse_batch_shard(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const InputError& error) {
      EXPECT_NE(std::string(error.what()).find("'" + std::string(bad) + "'"), std::string::npos) << error.what();
    }
  }
}

TEST(BatchShard, EveryStudyHasExactlyOneShardAndTheShardsAreBalanced) {
  for (int64_t n : {1, 3, 4, 7}) {
    std::map<int64_t, int> per_shard;
    for (size_t k = 0; k < 20; ++k) {
      int owners = 0;
      for (int64_t i = 0; i < n; ++i)
        if (BatchShard{i, n, ""}.owns(k)) ++owners, ++per_shard[i];
      EXPECT_EQ(owners, 1) << "study " << k << " of " << n << " shards";
    }
    for (const auto& [shard, count] : per_shard) EXPECT_LE(count, 20 / n + 1) << shard;
  }
}

TEST(BatchShard, TakesTheSlurmArrayTaskAndRefusesSparseArrays) {
  std::map<std::string, std::string> env;
  const auto lookup = [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_FALSE(batch_shard_from_environment(lookup).has_value());
  env = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  const auto shard = batch_shard_from_environment(lookup);
  ASSERT_TRUE(shard.has_value());
  EXPECT_EQ(shard->text(), "3/4");
  EXPECT_NE(shard->source.find("SLURM_ARRAY_TASK_ID"), std::string::npos);
  env = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "2"}};  // --array=1,3
  EXPECT_THROW(batch_shard_from_environment(lookup), InputError);
  env = {{"SLURM_ARRAY_TASK_ID", "1"}};
  EXPECT_THROW(batch_shard_from_environment(lookup), InputError);
}

TEST(BatchMerge, RecordsRoundTripAndTheMergeNamesTheMissingStudies) {
  testing::ScratchFolder folder;
  const auto manifest = folder / "batch.csv";
  std::vector<BatchStudy> studies;
  for (const char* id : {"a", "b", "c"}) {
    BatchStudy study;
    study.id = id;
    study.out = folder / "out" / id;
    studies.push_back(study);
  }
  std::filesystem::create_directories(studies[0].out);
  std::ofstream(studies[0].out / "report.json") << "{}";
  std::filesystem::create_directories(studies[2].out);  // no report: incomplete
  const auto record = [](int64_t index, int64_t count, const std::string& host, double seconds, int64_t bytes,
                          std::vector<ShardStudyOutcome> studies) {
    ShardRecord r;
    r.shard = parse_batch_shard(std::to_string(index) + "/" + std::to_string(count));
    r.host = host;
    r.seconds = seconds;
    r.peak_memory_bytes = bytes;
    r.studies = std::move(studies);
    return r;
  };
  write_shard_record(manifest, record(0, 2, "node1", 1.5, 3 << 20, {{"a", "done", "1.0 s"}, {"c", "FAILED", "x"}}));
  write_shard_record(manifest, record(1, 2, "node2", 0.5, 1 << 20, {{"b", "FAILED", "corrupt"}}));
  const auto records = read_shard_records(manifest);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].host, "node2");
  EXPECT_EQ(records[0].peak_memory_bytes, 3 << 20);
  EXPECT_EQ(records[0].studies[1].status, "FAILED");
  const auto merge = merge_batch(manifest, studies);
  EXPECT_EQ(merge.missing, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(merge.shard_count, 2);
  EXPECT_TRUE(std::filesystem::is_regular_file(merge.report));
  // A record of a run split another way is stale: refused, not mixed in.
  write_shard_record(manifest, record(0, 3, "node1", 1, 0, {}));
  EXPECT_THROW(merge_batch(manifest, studies), InputError);
}

TEST(SlurmScripts, AnArrayOfShardsAndAMergeWithQuotedArguments) {
  SlurmBatchRequest request;
  request.executable = "/opt/diffrecon/bin/diffrecon";
  request.manifest = "/data/cohort's batch.csv";
  request.options = {"--send", "PACS@host:104"};
  request.tasks = 20;
  request.array_limit = 5;
  request.cpus_per_task = 4;
  request.gres = "gpu:1";
  request.partition = "gpu";
  const auto array = slurm_array_script(request);
  EXPECT_NE(array.find("#SBATCH --array=0-19%5\n"), std::string::npos) << array;
  EXPECT_NE(array.find("#SBATCH --cpus-per-task=4\n"), std::string::npos);
  EXPECT_NE(array.find("#SBATCH --gres=gpu:1\n"), std::string::npos);
  EXPECT_NE(array.find("#SBATCH --partition=gpu\n"), std::string::npos);
  EXPECT_NE(array.find("'/data/cohort'\\''s batch.csv' '--send' 'PACS@host:104'\n"), std::string::npos) << array;
  const auto merge = slurm_merge_script(request);
  EXPECT_EQ(merge.find("--array"), std::string::npos);
  EXPECT_NE(merge.find(" --merge\n"), std::string::npos) << merge;
}

TEST(DerivedDicomUid, IsValidDeterministicAndDistinctPerKey) {
  const std::string root = "1.2.826.0.1.3680043.10.543";
  const auto a = derived_dicom_uid(root, "job/study");
  EXPECT_EQ(a, derived_dicom_uid(root, "job/study"));
  EXPECT_NE(a, derived_dicom_uid(root, "job/series/001_image"));
  EXPECT_TRUE(is_valid_dicom_uid(a)) << a;
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.rfind(root + ".", 0), 0u);
  const auto short_root = derived_dicom_uid("1.2", "k");
  EXPECT_TRUE(is_valid_dicom_uid(short_root)) << short_root;
  EXPECT_LE(short_root.size(), 64u);
  EXPECT_THROW(derived_dicom_uid("01.2", "k"), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon
