#include "recon/pipeline/batch_shards.h"

#include "core/error.h"
#include "io/atomic_output.h"
#include "recon/pipeline/report.h"
#include "recon/pipeline/study_output.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>

namespace diffrecon {
namespace fs = std::filesystem;

namespace {

std::optional<int64_t> non_negative_integer(const std::string& text) {
  if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), ::isdigit)) return std::nullopt;
  return std::stoll(text);
}

nlohmann::json to_json(const ShardRecord& r) {
  nlohmann::json studies = nlohmann::json::array();
  for (const auto& s : r.studies) studies.push_back({{"id", s.id}, {"status", s.status}, {"detail", s.detail}});
  return {{"shard", r.shard.index},  {"shards", r.shard.count}, {"given_by", r.shard.source},
          {"host", r.host},          {"seconds", r.seconds},    {"peak_memory_mib", double(r.peak_memory_bytes) / (1 << 20)},
          {"studies", studies}};
}

}  // namespace

BatchShard parse_batch_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto index = slash == std::string::npos ? std::nullopt : non_negative_integer(text.substr(0, slash));
  const auto count = slash == std::string::npos ? std::nullopt : non_negative_integer(text.substr(slash + 1));
  if (!index || !count || *count < 1 || *index >= *count)
    throw InputError("--shard expects i/n with 0 <= i < n (e.g. 0/4), got '" + text + "'");
  return {*index, *count, "--shard " + text};
}

std::optional<BatchShard> batch_shard_from_environment(const std::function<const char*(const char*)>& environment) {
  const char* id = environment("SLURM_ARRAY_TASK_ID");
  if (!id || !*id) return std::nullopt;
  const char* count_text = environment("SLURM_ARRAY_TASK_COUNT");
  const auto index = non_negative_integer(id);
  const auto count = count_text ? non_negative_integer(count_text) : std::nullopt;
  if (!index || !count || *count < 1)
    throw InputError(std::string("a Slurm array task needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, got '") + id +
                     "' and '" + (count_text ? count_text : "(unset)") + "'");
  if (*index >= *count)
    throw InputError("Slurm array task " + std::to_string(*index) + " of " + std::to_string(*count) +
                     " tasks: the array must be 0-" + std::to_string(*count - 1) +
                     " (sbatch --array=0-N), not a sparse list; or pass --shard i/n");
  return BatchShard{*index, *count,
                    "SLURM_ARRAY_TASK_ID " + std::to_string(*index) + " of SLURM_ARRAY_TASK_COUNT " + std::to_string(*count)};
}

fs::path shard_record_folder(const fs::path& manifest) {
  return manifest.parent_path() / (manifest.filename().string() + ".shards");
}

void write_shard_record(const fs::path& manifest, const ShardRecord& record) {
  const auto folder = shard_record_folder(manifest);
  fs::create_directories(folder);
  const auto name = "shard-" + std::to_string(record.shard.index) + "-of-" + std::to_string(record.shard.count) + ".json";
  write_report(folder / name, to_json(record), Overwrite::Allow);
}

std::vector<ShardRecord> read_shard_records(const fs::path& manifest) {
  std::vector<ShardRecord> records;
  const auto folder = shard_record_folder(manifest);
  if (!fs::is_directory(folder)) return records;
  const std::regex pattern(R"(shard-(\d+)-of-(\d+)\.json)");
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto name = entry.path().filename().string();
    if (!std::regex_match(name, pattern)) continue;
    std::ifstream file(entry.path());
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(file);
      ShardRecord r;
      r.shard = {j.at("shard").get<int64_t>(), j.at("shards").get<int64_t>(), j.at("given_by").get<std::string>()};
      r.host = j.at("host").get<std::string>();
      r.seconds = j.at("seconds").get<double>();
      r.peak_memory_bytes = static_cast<int64_t>(j.at("peak_memory_mib").get<double>() * (1 << 20));
      for (const auto& s : j.at("studies"))
        r.studies.push_back({s.at("id").get<std::string>(), s.at("status").get<std::string>(), s.at("detail").get<std::string>()});
      records.push_back(std::move(r));
    } catch (const nlohmann::json::exception& error) {
      throw InputError("shard record '" + entry.path().string() + "' is not readable: " + error.what());
    }
  }
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.shard.index < b.shard.index; });
  return records;
}

BatchMerge merge_batch(const fs::path& manifest, const std::vector<BatchStudy>& studies) {
  BatchMerge merge;
  merge.records = read_shard_records(manifest);
  for (const auto& r : merge.records) {
    if (merge.shard_count != 0 && r.shard.count != merge.shard_count)
      throw InputError("shard records in '" + shard_record_folder(manifest).string() + "' come from runs split " +
                       std::to_string(merge.shard_count) + " and " + std::to_string(r.shard.count) +
                       " ways; remove the folder's stale records and rerun the shards");
    merge.shard_count = r.shard.count;
  }
  nlohmann::json listed = nlohmann::json::array();
  for (size_t k = 0; k < studies.size(); ++k) {
    const bool complete = is_complete_study_output(studies[k].out);
    if (!complete) merge.missing.push_back(k);
    nlohmann::json entry = {{"id", studies[k].id}, {"folder", studies[k].out.string()}, {"complete", complete}};
    if (merge.shard_count > 0) entry["shard"] = int64_t(k % size_t(merge.shard_count));
    listed.push_back(entry);
  }
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& r : merge.records) shards.push_back(to_json(r));
  const auto folder = shard_record_folder(manifest);
  fs::create_directories(folder);
  merge.report = folder / "batch-report.json";
  write_report(merge.report,
               {{"manifest", manifest.string()}, {"complete", merge.missing.empty()}, {"studies", listed}, {"shards", shards}},
               Overwrite::Allow);
  return merge;
}

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 ? std::string(name) : "unknown";
}

}  // namespace diffrecon
