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
#include "recon/pipeline/batch_manifest.h"
#include "recon/pipeline/study_output.h"

#include <c10/util/Exception.h>

#include <algorithm>
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

// The options of one study for the `mri` / `ct` option table: the input option (--kspace /
// --sinogram), --out, then the study's options.
std::vector<std::string> batch_study_arguments(const BatchStudy& study) {
  std::vector<std::string> arguments{study.modality == "mri" ? "--kspace" : "--sinogram", study.input.string(), "--out",
                                     study.out.string() + "/"};
  arguments.insert(arguments.end(), study.options.begin(), study.options.end());
  return arguments;
}

struct Outcome {
  std::string id, status, detail;
};

struct BatchProgress {
  const std::vector<BatchStudy>& studies;
  ProgressBar bar;
  std::vector<Outcome> outcomes;
  int64_t index = 0;

  std::string prefix() const {
    return "[" + std::to_string(index) + "/" + std::to_string(studies.size()) + "] " + studies[index - 1].id;
  }
  void record(const std::string& status, const std::string& detail) {
    const auto& study = studies[index - 1];
    outcomes.push_back({study.id, status, status == "FAILED" ? study.where + ": " + detail : detail});
    if (status == "FAILED") {
      std::fprintf(stderr, "%s FAILED (%s): %s\n", prefix().c_str(), study.where.c_str(), detail.c_str());
    } else if (status == "skipped") {
      std::printf("%s: skipped (%s)\n", prefix().c_str(), detail.c_str());
    }
    bar.update(index, study.id + " " + status);
  }
};

// A complete folder is skipped; if it has not reached the --send destination yet (a refused or
// interrupted send), it is sent now.
void resume_complete_study(const BatchStudy& study, const std::vector<std::string>& arguments, BatchProgress& progress) {
  std::string detail = "complete: " + study.out.string();
  try {
    CommandLine options(arguments);
    const auto delivery = take_study_options(options);
    if (delivery.send && !was_delivered(study.out, *delivery.send)) {
      std::printf("%s: complete, sending it\n", progress.prefix().c_str());
      deliver_study_folder(study.out, delivery);
      detail += ", sent now";
    }
  } catch (const std::exception& error) {
    progress.record("FAILED", error.what());
    return;
  }
  progress.record("skipped", detail);
}

// Builds the study's typed job from its options and runs it; any failure is recorded, not thrown.
void run_study(const BatchStudy& study, const std::vector<std::string>& arguments, BatchProgress& progress) {
  std::printf("%s: diffrecon %s", progress.prefix().c_str(), study.modality.c_str());
  for (const auto& a : arguments) std::printf(" %s", a.c_str());
  std::printf("\n");
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  std::string failure;
  try {
    auto request = study.modality == "mri" ? mri_study_request(arguments) : ct_study_request(arguments);
    SamplingProgressBars bars;
    const auto output = run_study_job(request.job, printing_observer(bars));
    bars.finish();
    deliver(output, request.delivery);
  } catch (const c10::Error& error) {
    failure = error.what_without_backtrace();
  } catch (const std::exception& error) {
    failure = error.what();
  }
  char timing[32];
  std::snprintf(timing, sizeof timing, "%.1f s",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  progress.record(failure.empty() ? "done" : "FAILED", failure.empty() ? timing : failure);
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

}  // namespace

int run_batch(const std::vector<std::string>& arguments) {
  if (arguments.empty() || arguments.front() == "--help" || arguments.front() == "-h") {
    std::fputs(kBatchUsage, arguments.empty() ? stderr : stdout);
    return arguments.empty() ? 2 : 0;
  }
  const std::string manifest = arguments.front();
  std::vector<std::string> shared(arguments.begin() + 1, arguments.end());
  const auto force_at = std::find(shared.begin(), shared.end(), "--force");
  const bool force = force_at != shared.end();
  if (force) shared.erase(force_at);
  std::vector<BatchStudy> studies;
  try {
    studies = read_batch_manifest(manifest);
  } catch (const BatchManifestError& error) {
    throw UsageError(error.what());
  }
  std::printf("batch %s: %zu studies\n", manifest.c_str(), studies.size());
  std::fflush(stdout);
  BatchProgress progress{studies, ProgressBar("batch", static_cast<int64_t>(studies.size())), {}, 0};
  for (const auto& study : studies) {
    ++progress.index;
    auto study_arguments = batch_study_arguments(study);
    study_arguments.insert(study_arguments.end(), shared.begin(), shared.end());
    if (!force && is_complete_study_output(study.out)) {
      resume_complete_study(study, study_arguments, progress);
      continue;
    }
    if (force) study_arguments.push_back("--force");
    run_study(study, study_arguments, progress);
  }
  return summarise(progress);
}

}  // namespace diffrecon::cli
