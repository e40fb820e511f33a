// diffrecon batch MANIFEST: every study of the manifest (recon/pipeline/batch_manifest.h) through
// `diffrecon mri` / `diffrecon ct` in this process, one after the other. A failed study is reported
// and the batch goes on; a study whose output folder is complete (has report.json) is skipped, so
// rerunning a batch resumes it (a complete study not yet delivered to the --send destination, e.g.
// after a refused send, is sent then). Exit status: 0 when every study is done, 1 otherwise.
#include "recon/cli/batch_command.h"

#include "recon/cli/command_line.h"
#include "recon/cli/ct_command.h"
#include "recon/cli/mri_command.h"
#include "recon/cli/progress_bar.h"
#include "recon/cli/study_options.h"
#include "recon/pipeline/batch_manifest.h"
#include "recon/pipeline/study_output.h"

#include <c10/util/Exception.h>

#include <chrono>
#include <cstdio>

namespace diffrecon::cli {
namespace {

constexpr const char* kBatchUsage = R"(usage: diffrecon batch MANIFEST(.csv|.json) [--threads N] [--device cpu|cuda] [--force]

Reconstructs every study of the manifest into its own study folder (DICOM series, preview.png,
report.json), continuing past failures. A study whose folder already holds report.json is skipped
(rerun the batch to resume it); --force redoes every study. Options after the manifest apply to
every study (e.g. --send AET@host:port, --uid-root ROOT, --threads N).

CSV (header row required; fields may be double-quoted; relative paths are relative to the manifest):
  id,modality,input,out,options
  brain01,mri,raw/brain01.h5,out/brain01/,--method l1 --lambda 0.005
  head07,ct,sino/head07.nii.gz,out/head07/,--geometry fan.json --method tv
JSON: [{"id": "brain01", "modality": "mri", "input": "raw/brain01.h5", "out": "out/brain01/",
        "options": "--method l1"}, ...]   ("options" may also be a list of strings)
)";

struct Outcome {
  std::string id, status, detail;
};

}  // namespace

int run_batch(const std::vector<std::string>& arguments) {
  if (arguments.empty() || arguments.front() == "--help" || arguments.front() == "-h") {
    std::fputs(kBatchUsage, arguments.empty() ? stderr : stdout);
    return arguments.empty() ? 2 : 0;
  }
  const std::string manifest = arguments.front();
  std::vector<std::string> shared(arguments.begin() + 1, arguments.end());
  bool force = false;
  for (auto it = shared.begin(); it != shared.end();) {
    if (*it == "--force") {
      force = true;
      it = shared.erase(it);
    } else {
      ++it;
    }
  }
  std::vector<BatchStudy> studies;
  try {
    studies = read_batch_manifest(manifest);
  } catch (const BatchManifestError& error) {
    throw UsageError(error.what());
  }
  std::printf("batch %s: %zu studies\n", manifest.c_str(), studies.size());
  std::fflush(stdout);
  std::vector<Outcome> outcomes;
  ProgressBar progress("batch", static_cast<int64_t>(studies.size()));
  int64_t index = 0;
  for (const auto& study : studies) {
    ++index;
    auto study_arguments = batch_study_arguments(study);
    study_arguments.insert(study_arguments.end(), shared.begin(), shared.end());
    if (!force && is_complete_study_output(study.out)) {
      // Complete, but maybe not yet delivered (a refused or interrupted send): send it now.
      std::string detail = "complete: " + study.out.string();
      try {
        CommandLine options(study_arguments);
        const auto study_options = take_study_options(options);
        if (study_options.send && !was_delivered(study.out, *study_options.send)) {
          std::printf("[%lld/%zu] %s: complete, sending it\n", static_cast<long long>(index), studies.size(), study.id.c_str());
          deliver_study_folder(study.out, study_options);
          detail += ", sent now";
        }
      } catch (const std::exception& error) {
        outcomes.push_back({study.id, "FAILED", study.where + ": " + error.what()});
        std::fprintf(stderr, "[%lld/%zu] %s FAILED (%s): %s\n", static_cast<long long>(index), studies.size(),
                     study.id.c_str(), study.where.c_str(), error.what());
        progress.update(index, study.id + " FAILED");
        continue;
      }
      outcomes.push_back({study.id, "skipped", detail});
      std::printf("[%lld/%zu] %s: skipped (%s)\n", static_cast<long long>(index), studies.size(), study.id.c_str(),
                  detail.c_str());
      progress.update(index, study.id + " skipped");
      continue;
    }
    if (force) study_arguments.push_back("--force");
    std::printf("[%lld/%zu] %s: diffrecon %s", static_cast<long long>(index), studies.size(), study.id.c_str(),
                study.modality.c_str());
    for (const auto& a : study_arguments) std::printf(" %s", a.c_str());
    std::printf("\n");
    std::fflush(stdout);
    const auto start = std::chrono::steady_clock::now();
    std::string failure;
    try {
      const int status = study.modality == "mri" ? run_mri(study_arguments) : run_ct(study_arguments);
      if (status != 0) failure = "exit status " + std::to_string(status);
    } catch (const c10::Error& error) {
      failure = error.what_without_backtrace();
    } catch (const std::exception& error) {
      failure = error.what();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char timing[32];
    std::snprintf(timing, sizeof timing, "%.1f s", seconds);
    if (failure.empty()) {
      outcomes.push_back({study.id, "done", timing});
    } else {
      outcomes.push_back({study.id, "FAILED", study.where + ": " + failure});
      std::fprintf(stderr, "[%lld/%zu] %s FAILED (%s): %s\n", static_cast<long long>(index), studies.size(),
                   study.id.c_str(), study.where.c_str(), failure.c_str());
    }
    progress.update(index, study.id + (failure.empty() ? " done" : " FAILED"));
  }
  int done = 0, skipped = 0, failed = 0;
  for (const auto& o : outcomes) (o.status == "done" ? done : o.status == "skipped" ? skipped : failed)++;
  progress.finish(std::to_string(done) + " done, " + std::to_string(skipped) + " skipped, " + std::to_string(failed) + " failed");
  std::printf("\nbatch summary: %d done, %d skipped (already complete), %d failed\n", done, skipped, failed);
  for (const auto& o : outcomes) std::printf("  %-20s %-8s %s\n", o.id.c_str(), o.status.c_str(), o.detail.c_str());
  std::fflush(stdout);
  return failed == 0 ? 0 : 1;
}

}  // namespace diffrecon::cli
