// diffrecon batch MANIFEST: every study of the manifest (recon/pipeline/batch_manifest.h), one after
// the other: each row's options are parsed by the `mri` / `ct` option table into a typed study job
// (recon/pipeline/study_job.h), which the pipeline runs. A failed study is reported
// and the batch goes on; a study whose output folder is complete (has report.json) is skipped, so
// rerunning a batch resumes it (a complete study not yet delivered to the --send destination, e.g.
// after a refused send, is sent then). Exit status: 0 when every study is done, 1 otherwise.
#include "recon/cli/batch_command.h"

#include "recon/cli/command_line.h"
#include "recon/cli/ct_command.h"
#include "recon/cli/mri_command.h"
#include "recon/cli/posterior_options.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/study_options.h"
#include "core/version.h"
#include "recon/pipeline/batch_manifest.h"
#include "recon/pipeline/batch_shards.h"
#include "recon/pipeline/slurm_scripts.h"
#include "recon/pipeline/study_parts.h"
#include "recon/pipeline/study_output.h"

#include <c10/util/Exception.h>

#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

namespace diffrecon::cli {
namespace {

namespace fs = std::filesystem;


constexpr const char* kBatchUsage = R"(usage: diffrecon batch MANIFEST(.csv|.json) [--threads N] [--device cpu|cuda] [--force]
                       [--shard i/n | --merge | --slurm [--submit] [SLURM OPTIONS]]

Reconstructs every study of the manifest into its own study folder (DICOM series, preview.png,
report.json), continuing past failures. A study whose folder already holds report.json is skipped
(rerun the batch to resume it); --force redoes every study. Options after the manifest apply to
every study (e.g. --send AET@host:port, --uid-root ROOT, --threads N). UIDs are derived from each
study's job, so every run of the same job, sharded or not, writes the same UIDs.

On several machines (docs/dicom.md, "Batches on a cluster"):
  --shard i/n           reconstruct only the studies at manifest positions k with k mod n = i (inside
                        a Slurm array task, i and n come from SLURM_ARRAY_TASK_ID/_COUNT); nothing
                        is sent; the shard's record goes to MANIFEST.shards/shard-i-of-n.json
  --split-slices        with --shard: split multi-slice studies too, slice s of study k going to
                        shard (k + s) mod n as a part the merge assembles (give it to --merge and
                        --slurm as well)
  --split-chains        with --shard: split the chains of posterior studies (--samples N) too, chain c
                        of slice s of study k going to shard (k + s + c) mod n, drawn one at a time
                        (the merge's mean and std are those of one process with --batch 1)
  --merge               check that every study is complete (naming each missing one and its shard),
                        write MANIFEST.shards/batch-report.json, then deliver (--send) once
  --slurm               write MANIFEST.shards/array.sbatch (a job array of shards) and merge.sbatch
    --tasks N             array tasks (default: one per study)
    --array-limit K       at most K tasks at once (--array=0-N%K)
    --partition P, --time T, --cpus-per-task C (the tasks' --threads), --gres G (e.g. gpu:1)
    --submit              submit both: the array, then the merge with --dependency=afterok

CSV (header row required; fields may be double-quoted; relative paths are relative to the manifest):
  id,modality,input,out,options
  brain01,mri,raw/brain01.h5,out/brain01/,--method l1 --lambda 0.005
  head07,ct,sino/head07.nii.gz,out/head07/,--geometry fan.json --method tv
JSON: [{"id": "brain01", "modality": "mri", "input": "raw/brain01.h5", "out": "out/brain01/",
        "options": "--method l1"}, ...]   ("options" may also be a list of strings)
)";

// The options of one study for the `mri` / `ct` option table: the input option (--kspace /
// --sinogram), --out, the study's options, then the options given after the manifest.
std::vector<std::string> batch_study_arguments(const BatchStudy& study, const std::vector<std::string>& shared) {
  std::vector<std::string> arguments{study.modality == "mri" ? "--kspace" : "--sinogram", study.input.string(), "--out",
                                     study.out.string() + "/"};
  arguments.insert(arguments.end(), study.options.begin(), study.options.end());
  arguments.insert(arguments.end(), shared.begin(), shared.end());
  return arguments;
}

// The study's typed job, parsed by its modality's option table.
BatchStudyRequest study_request(const BatchStudy& study, const std::vector<std::string>& arguments) {
  return study.modality == "mri" ? mri_study_request(arguments) : ct_study_request(arguments);
}

// A failure's message as the batch reports it (LibTorch's without its C++ backtrace).
std::string failure_text(const std::exception& error) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&error);
  return torch_error ? torch_error->what_without_backtrace() : error.what();
}

// The chains of a posterior study split over the shards (--split-chains), 0 when its chains are not split.
int64_t split_chain_count(StudyJob& job, bool split_chains) {
  const auto* posterior = posterior_settings_of(job);
  return split_chains && posterior && posterior->samples > 1 ? posterior->samples : 0;
}

// Sends a complete study folder to the --send destination among `arguments` unless it is there
// already (calling `before_sending` first); returns the destination when it sent, nullopt otherwise.
std::optional<std::string> deliver_if_not_delivered(const BatchStudy& study, const std::vector<std::string>& arguments,
                                                    const std::function<void()>& before_sending = {}) {
  CommandLine options(arguments);
  const auto delivery = take_study_options(options);
  if (!delivery.send || was_delivered(study.out, *delivery.send)) return std::nullopt;
  if (before_sending) before_sending();
  deliver_study_folder(study.out, delivery);
  return delivery.send->to_string();
}

struct BatchProgress {
  const std::vector<BatchStudy>& studies;
  ProgressBar bar;
  std::vector<ShardStudyOutcome> outcomes;
  size_t position = 0;  // 0-based manifest position of the study being run
  int64_t shown = 0, total = 0;

  std::string prefix() const {
    return "[" + std::to_string(shown) + "/" + std::to_string(total) + "] " + studies[position].id;
  }
  void record(const std::string& status, const std::string& detail) {
    const auto& study = studies[position];
    outcomes.push_back({study.id, status, status == "FAILED" ? study.where + ": " + detail : detail});
    if (status == "FAILED") {
      std::fprintf(stderr, "%s FAILED (%s): %s\n", prefix().c_str(), study.where.c_str(), detail.c_str());
    } else if (status == "skipped") {
      std::printf("%s: skipped (%s)\n", prefix().c_str(), detail.c_str());
    }
    bar.update(shown, study.id + " " + status);
  }
};

// Options of the study rows that do not change a study's pixels, so not part of its UID key.
bool is_delivery_option(const std::string& option) {
  return option == "--force" || option == "--threads" || option == "--send" || option == "--calling-aet" ||
         option == "--send-timeout";
}

// What a study's UIDs are derived from: the software and the study's arguments (input, folder,
// method and options), the delivery-only options left out.
std::string study_uid_key(const BatchStudy& study, const std::vector<std::string>& arguments) {
  std::string key = "diffrecon " + diffrecon_version() + " batch " + study.modality;
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (is_delivery_option(arguments[i])) {
      if (arguments[i] != "--force" && i + 1 < arguments.size()) ++i;  // and its value
      continue;
    }
    key += "\n" + arguments[i];
  }
  return key;
}

// A complete folder is skipped; if it has not reached the --send destination yet (a refused or
// interrupted send), it is sent now - unless this is a shard, whose studies the merge delivers.
void resume_complete_study(const BatchStudy& study, const std::vector<std::string>& arguments, bool deliver_now,
                           BatchProgress& progress) {
  std::string detail = "complete: " + study.out.string();
  try {
    const auto announce = [&] { std::printf("%s: complete, sending it\n", progress.prefix().c_str()); };
    if (deliver_now && deliver_if_not_delivered(study, arguments, announce)) detail += ", sent now";
  } catch (const std::exception& error) {
    progress.record("FAILED", error.what());
    return;
  }
  progress.record("skipped", detail);
}

// The peak memory a finished study's report gives (0 when it cannot be read).
int64_t study_peak_memory(const fs::path& folder) {
  std::ifstream file(folder / kStudyReportName);
  const auto report = nlohmann::json::parse(file, nullptr, false);
  if (report.is_discarded() || !report.contains("peak_memory_mib")) return 0;
  return static_cast<int64_t>(report["peak_memory_mib"].get<double>() * (1 << 20));
}

// Builds the study's typed job from its options and runs it; any failure is recorded, not thrown.
void run_study(const BatchStudy& study, const std::vector<std::string>& arguments, bool deliver_now,
               BatchProgress& progress) {
  std::printf("%s: diffrecon %s", progress.prefix().c_str(), study.modality.c_str());
  for (const auto& a : arguments) std::printf(" %s", a.c_str());
  std::printf("\n");
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  std::string failure;
  try {
    auto request = study_request(study, arguments);
    request.job.settings.uid_key = study_uid_key(study, arguments);
    SamplingProgressBars bars;
    const auto output = run_study_job(request.job, printing_observer(bars));
    bars.finish();
    if (deliver_now) deliver(output, request.delivery);
  } catch (const std::exception& error) {
    failure = failure_text(error);
  }
  char timing[32];
  std::snprintf(timing, sizeof timing, "%.1f s", seconds_since(start));
  progress.record(failure.empty() ? "done" : "FAILED", failure.empty() ? timing : failure);
}

// A study split by slices (--split-slices): this shard reconstructs the slices it owns, each into
// a part the merge assembles (a slice whose part exists is skipped: reruns resume). A one-slice
// study is an ordinary study of its owner. Returns the largest peak memory of the parts it made.
int64_t run_study_slices(size_t position, const BatchStudy& study, const std::vector<std::string>& arguments,
                      const BatchShard& shard, bool split_chains, BatchProgress& progress) {
  std::vector<std::string> reconstructed, present;
  std::string current;
  int64_t peak_memory = 0;
  try {
    auto request = study_request(study, arguments);
    const int64_t slices = study_slices(request.job);
    const int64_t chains = split_chain_count(request.job, split_chains);
    if (slices == 1 && chains == 0) {
      if (!shard.owns(position)) return 0;
      run_study(study, arguments, false, progress);
      return progress.outcomes.back().status == "done" ? study_peak_memory(study.out) : 0;
    }
    // Units: (slice s) or (slice s, chain c), owned when (k + s [+ c]) mod n = i.
    std::vector<std::pair<int64_t, int64_t>> mine;
    for (int64_t s = 0; s < slices; ++s) {
      if (chains == 0) {
        if (shard.owns(position, s)) mine.emplace_back(s, -1);
        continue;
      }
      for (int64_t c = 0; c < chains; ++c)
        if (shard.owns(position, s + c)) mine.emplace_back(s, c);
    }
    if (mine.empty()) return 0;
    const auto unit = [](int64_t s, int64_t c) { return c < 0 ? std::to_string(s) : std::to_string(s) + ":" + std::to_string(c); };
    std::printf("%s: %s", progress.prefix().c_str(), chains ? "slice:chain" : "slices");
    for (const auto& [s, c] : mine) std::printf(" %s", unit(s, c).c_str());
    std::printf(" of %lld slices%s\n", static_cast<long long>(slices),
                chains ? (" x " + std::to_string(chains) + " chains").c_str() : "");
    std::fflush(stdout);
    SamplingProgressBars bars;
    for (int64_t s = 0; s < slices; ++s) {
      std::vector<int64_t> owned_chains;
      for (const auto& [slice, c] : mine)
        if (slice == s) owned_chains.push_back(c);
      if (owned_chains.empty()) continue;
      current = unit(s, owned_chains.front());
      if (chains == 0) {
        if (has_study_part(study.out, s)) {
          present.push_back(unit(s, -1));
          continue;
        }
        const auto part = reconstruct_study(study_job_slice(request.job, s), printing_observer(bars));
        bars.finish();
        write_study_part(study.out, s, part, host_name());
        peak_memory = std::max(peak_memory, part.record.peak_memory_bytes);
        reconstructed.push_back(unit(s, -1));
        continue;
      }
      // This shard's chains of slice s, one at a time (chain batch 1: the bits one process gives
      // with --batch 1), every chain kept.
      std::vector<int64_t> missing;
      for (const auto c : owned_chains) (has_study_chain_part(study.out, s, c) ? present.push_back(unit(s, c)) : missing.push_back(c));
      if (missing.empty()) continue;
      auto slice_job = study_job_slice(request.job, s);
      auto* settings = posterior_settings_of(slice_job);
      settings->chains = missing;
      settings->keep_samples = true;
      settings->batch = 1;
      const auto part = reconstruct_study(slice_job, printing_observer(bars));
      bars.finish();
      peak_memory = std::max(peak_memory, part.record.peak_memory_bytes);
      for (size_t r = 0; r < missing.size(); ++r) {
        write_study_chain_part(study.out, s, missing[r], part.samples[0][int64_t(r)], part.record, host_name());
        reconstructed.push_back(unit(s, missing[r]));
      }
    }
  } catch (const std::exception& error) {
    const auto what = failure_text(error);
    progress.record("FAILED", current.empty() ? what : "slice " + current + ": " + what);
    return peak_memory;
  }
  const auto list = [](const std::vector<std::string>& units) {
    std::string text;
    for (const auto& u : units) text += (text.empty() ? "" : ",") + u;
    return text;
  };
  if (reconstructed.empty())
    progress.record("skipped", "parts " + list(present) + " present");
  else
    progress.record("done", "parts " + list(reconstructed) + (present.empty() ? "" : " (" + list(present) + " present)"));
  return peak_memory;
}

int summarise(BatchProgress& progress) {
  int done = 0, skipped = 0, failed = 0;
  for (const auto& o : progress.outcomes) (o.status == "done" ? done : o.status == "skipped" ? skipped : failed)++;
  progress.bar.finish(std::to_string(done) + " done, " + std::to_string(skipped) + " skipped, " + std::to_string(failed) +
                      " failed");
  std::printf("\nbatch summary: %d done, %d skipped (already complete), %d failed\n", done, skipped, failed);
  for (const auto& o : progress.outcomes) std::printf("  %-20s %-8s %s\n", o.id.c_str(), o.status.c_str(), o.detail.c_str());
  std::fflush(stdout);
  return failed == 0 ? 0 : 1;
}

// The batch's own options, taken out of the arguments that go to every study.
struct BatchOptions {
  bool force = false, merge = false, slurm = false, submit = false, split_slices = false, split_chains = false;
  std::optional<BatchShard> shard;
  SlurmBatchRequest slurm_request;
  bool tasks_given = false;

  bool splits() const { return split_slices || split_chains; }  // studies split below the study level
};

BatchOptions take_batch_options(std::vector<std::string>& shared) {
  BatchOptions options;
  std::vector<std::string> rest;
  const auto integer = [](const std::string& option, const std::string& value, int64_t minimum) {
    const bool digits = !value.empty() && value.size() < 10 && std::all_of(value.begin(), value.end(), ::isdigit);
    if (!digits || std::stoll(value) < minimum)
      throw UsageError(option + " expects an integer >= " + std::to_string(minimum) + ", got '" + value + "'");
    return std::stoll(value);
  };
  for (size_t i = 0; i < shared.size(); ++i) {
    const auto& a = shared[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= shared.size()) throw UsageError(a + " expects a value");
      return shared[++i];
    };
    auto& slurm = options.slurm_request;
    if (a == "--force") options.force = true;
    else if (a == "--merge") options.merge = true;
    else if (a == "--slurm") options.slurm = true;
    else if (a == "--submit") options.submit = true;
    else if (a == "--split-slices") options.split_slices = true;
    else if (a == "--split-chains") options.split_chains = true;
    else if (a == "--shard") {
      try {
        options.shard = parse_batch_shard(value());
      } catch (const InputError& error) {
        throw UsageError(error.what());
      }
    } else if (a == "--tasks") slurm.tasks = integer(a, value(), 1), options.tasks_given = true;
    else if (a == "--array-limit") slurm.array_limit = integer(a, value(), 1);
    else if (a == "--cpus-per-task") slurm.cpus_per_task = integer(a, value(), 1);
    else if (a == "--partition") slurm.partition = value();
    else if (a == "--time") slurm.time_limit = value();
    else if (a == "--gres") slurm.gres = value();
    else rest.push_back(a);
  }
  const bool slurm_only = options.submit || options.tasks_given || options.slurm_request.array_limit ||
                          options.slurm_request.cpus_per_task || !options.slurm_request.partition.empty() ||
                          !options.slurm_request.time_limit.empty() || !options.slurm_request.gres.empty();
  if (slurm_only && !options.slurm)
    throw UsageError("--submit, --tasks, --array-limit, --partition, --time, --cpus-per-task and --gres go with --slurm");
  if (int(options.merge) + int(options.slurm) + int(options.shard.has_value()) > 1)
    throw UsageError("--shard, --merge and --slurm are separate steps: give one of them");
  shared = rest;
  return options;
}

// Runs `command` and returns its standard output (an Error naming it when it fails).
std::string output_of(const std::string& command) {
  std::string text;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw Error("cannot run '" + command + "'");
  char buffer[256];
  while (fgets(buffer, sizeof buffer, pipe)) text += buffer;
  const int status = pclose(pipe);
  if (status != 0) throw Error("'" + command + "' failed (exit status " + std::to_string(WEXITSTATUS(status)) + ")");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

int write_slurm_scripts(const fs::path& manifest, const std::vector<BatchStudy>& studies, BatchOptions& options,
                        const std::vector<std::string>& shared) {
  auto& request = options.slurm_request;
  request.executable = fs::read_symlink("/proc/self/exe");
  request.manifest = fs::absolute(manifest).lexically_normal();
  request.options = shared;
  if (options.split_slices) request.options.push_back("--split-slices");
  if (options.split_chains) request.options.push_back("--split-chains");
  if (request.cpus_per_task > 0 && std::find(shared.begin(), shared.end(), "--threads") != shared.end())
    throw UsageError("--cpus-per-task sets the tasks' threads; leave out --threads");
  if (!options.tasks_given) request.tasks = std::max<int64_t>(1, static_cast<int64_t>(studies.size()));
  const auto folder = shard_record_folder(request.manifest);
  fs::create_directories(folder / "logs");
  const auto array_path = folder / "array.sbatch", merge_path = folder / "merge.sbatch";
  for (const auto& [path, text] : {std::pair{array_path, slurm_array_script(request)},
                                   std::pair{merge_path, slurm_merge_script(request)}}) {
    std::ofstream file(path);
    file << text;
    if (!file) throw OutputError("cannot write '" + path.string() + "'");
  }
  std::printf("wrote %s (%lld tasks for %zu studies) and %s\n", array_path.c_str(), static_cast<long long>(request.tasks),
              studies.size(), merge_path.c_str());
  if (!options.submit) {
    std::printf("submit with:\n  array=$(sbatch --parsable %s)\n  sbatch --dependency=afterok:$array --kill-on-invalid-dep=yes %s\n",
                shell_quoted(array_path.string()).c_str(), shell_quoted(merge_path.string()).c_str());
    return 0;
  }
  const auto array_job = output_of("sbatch --parsable " + shell_quoted(array_path.string()));
  const auto merge_job = output_of("sbatch --parsable --dependency=afterok:" + array_job.substr(0, array_job.find(';')) +
                                   " --kill-on-invalid-dep=yes " + shell_quoted(merge_path.string()));
  std::printf("submitted array job %s and merge job %s\n", array_job.c_str(), merge_job.c_str());
  std::fflush(stdout);
  return 0;
}

// The studies split by slices whose parts are all there become study folders (with the same UIDs a
// one-process run writes); the missing slices of the others are named with their shards.
std::vector<std::string> assemble_split_studies(const std::vector<BatchStudy>& studies, const std::vector<std::string>& shared,
                                                int64_t shard_count, bool split_chains) {
  std::vector<std::string> problems;
  for (size_t k = 0; k < studies.size(); ++k) {
    const auto& study = studies[k];
    if (is_complete_study_output(study.out) || !fs::is_directory(study_parts_folder(study.out))) continue;
    const auto arguments = batch_study_arguments(study, shared);
    try {
      auto request = study_request(study, arguments);
      const int64_t slices = study_slices(request.job);
      const int64_t chains = split_chain_count(request.job, split_chains);
      auto assembled = assemble_study_parts(study.out, slices, chains);
      if (!assembled.missing.empty()) {
        std::string text = study.id + ": ";
        const auto owner = [&](int64_t unit) {
          return shard_count > 0 ? " (shard " + std::to_string((k + size_t(unit)) % size_t(shard_count)) + ")" : "";
        };
        if (chains > 0) {
          text += std::to_string(assembled.missing_chains.size()) + " of " + std::to_string(slices * chains) +
                  " slice:chain parts missing:";
          for (const auto& [s, c] : assembled.missing_chains) text += " " + std::to_string(s) + ":" + std::to_string(c) + owner(s + c);
        } else {
          text += std::to_string(assembled.missing.size()) + " of " + std::to_string(slices) + " slices missing:";
          for (auto s : assembled.missing) text += " " + std::to_string(s) + owner(s);
        }
        problems.push_back(text);
        continue;
      }
      request.job.settings.uid_key = study_uid_key(study, arguments);
      finish_study(request.job, std::move(assembled.result));
      remove_study_parts(study.out);
      std::printf("%s: %lld slices assembled into %s\n", study.id.c_str(), static_cast<long long>(slices), study.out.c_str());
    } catch (const std::exception& error) {
      problems.push_back(study.id + " (" + study.where + "): " + error.what());
    }
  }
  return problems;
}

int merge(const fs::path& manifest, const std::vector<BatchStudy>& studies, const std::vector<std::string>& shared,
          bool split_chains) {
  const auto records = read_shard_records(manifest);
  const auto problems =
      assemble_split_studies(studies, shared, records.empty() ? 0 : records.front().shard.count, split_chains);
  for (const auto& problem : problems) std::fprintf(stderr, "missing: %s\n", problem.c_str());
  const auto merged = merge_batch(manifest, studies);
  std::printf("merge %s: %zu of %zu studies complete; %zu shard records; wrote %s\n", manifest.c_str(),
              studies.size() - merged.missing.size(), studies.size(), merged.records.size(), merged.report.c_str());
  if (!merged.missing.empty()) {
    for (const auto k : merged.missing) {
      std::string owner;
      if (fs::is_directory(study_parts_folder(studies[k].out))) owner = ", split by slices";
      else if (merged.shard_count > 0) owner = ", shard " + std::to_string(k % size_t(merged.shard_count)) + "/" +
                                          std::to_string(merged.shard_count);
      std::string why;
      for (const auto& r : merged.records)
        for (const auto& o : r.studies)
          if (o.id == studies[k].id && o.status == "FAILED") why = ": " + o.detail;
      std::fprintf(stderr, "missing: %s (%s%s) %s%s\n", studies[k].id.c_str(), studies[k].where.c_str(), owner.c_str(),
                   studies[k].out.c_str(), why.c_str());
    }
    std::fprintf(stderr, "merge refused: %zu studies incomplete; rerun their shards, then --merge again\n",
                 merged.missing.size());
    return 1;
  }
  // Deliver each study once (a study already at the destination is not sent again).
  int failed = 0;
  for (const auto& study : studies) {
    try {
      if (const auto sent_to = deliver_if_not_delivered(study, batch_study_arguments(study, shared)))
        std::printf("%s: sent to %s\n", study.id.c_str(), sent_to->c_str());
    } catch (const std::exception& error) {
      std::fprintf(stderr, "%s (%s): %s\n", study.id.c_str(), study.where.c_str(), error.what());
      ++failed;
    }
  }
  std::fflush(stdout);
  return failed == 0 ? 0 : 1;
}

}  // namespace

int run_batch(const std::vector<std::string>& arguments) {
  if (arguments.empty() || arguments.front() == "--help" || arguments.front() == "-h") {
    std::fputs(kBatchUsage, arguments.empty() ? stderr : stdout);
    return arguments.empty() ? 2 : 0;
  }
  // Absolute, so every process resolves the rows' paths alike (the UIDs are derived from them).
  const std::string manifest = fs::absolute(arguments.front()).lexically_normal().string();
  std::vector<std::string> shared(arguments.begin() + 1, arguments.end());
  auto options = take_batch_options(shared);
  std::vector<BatchStudy> studies;
  try {
    studies = read_batch_manifest(manifest);
  } catch (const BatchManifestError& error) {
    throw UsageError(error.what());
  }
  if (options.slurm) return write_slurm_scripts(manifest, studies, options, shared);
  if (options.merge) return merge(manifest, studies, shared, options.split_chains);
  if (!options.shard) {
    options.shard = batch_shard_from_environment();
    if (options.shard) std::printf("shard %s from %s\n", options.shard->text().c_str(), options.shard->source.c_str());
  }
  const bool sharded = options.shard.has_value();
  const auto started = std::chrono::steady_clock::now();
  int64_t owned = 0;
  for (size_t k = 0; k < studies.size(); ++k)
    owned += !sharded || options.splits() || options.shard->owns(k);
  std::printf("batch %s: %zu studies%s\n", manifest.c_str(), studies.size(),
              sharded ? (", " + std::to_string(owned) + " of them in shard " + options.shard->text()).c_str() : "");
  std::fflush(stdout);
  BatchProgress progress{studies, ProgressBar("batch", owned), {}, 0, 0, owned};
  int64_t peak_memory = 0;
  for (size_t k = 0; k < studies.size(); ++k) {
    if (sharded && !options.splits() && !options.shard->owns(k)) continue;
    const auto& study = studies[k];
    progress.position = k;
    ++progress.shown;
    auto study_arguments = batch_study_arguments(study, shared);
    if (!options.force && is_complete_study_output(study.out)) {
      resume_complete_study(study, study_arguments, !sharded, progress);
      continue;
    }
    if (options.force) study_arguments.push_back("--force");
    if (sharded && options.splits()) {
      peak_memory = std::max(peak_memory, run_study_slices(k, study, study_arguments, *options.shard, options.split_chains, progress));
      continue;
    }
    run_study(study, study_arguments, !sharded, progress);
    if (progress.outcomes.back().status == "done") peak_memory = std::max(peak_memory, study_peak_memory(study.out));
  }
  const int status = summarise(progress);
  if (sharded) {
    ShardRecord record{*options.shard, host_name(), seconds_since(started), peak_memory, progress.outcomes};
    write_shard_record(manifest, record);
  }
  return status;
}

}  // namespace diffrecon::cli
