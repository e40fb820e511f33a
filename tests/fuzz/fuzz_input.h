// What every harness shares: a private scratch folder in memory for the parsers that take paths,
// and the rule that decides what counts as a finding.
//
// A finding is a crash or a sanitizer report, and also any failure that is not a clear message
// about the input: an InternalError (a broken invariant of ours), or a LibTorch error (a check of
// ours missing, so a shape or size reached LibTorch unchecked). Errors of the input kind (and the
// environment kind, e.g. a file that cannot be mapped) are the expected outcome for bad bytes.
#pragma once

#include "core/error.h"

#include <c10/util/Exception.h>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <typeinfo>

namespace diffrecon::fuzz {

// /dev/shm/diffrecon-fuzz-<pid>/, emptied when the process ends normally (libFuzzer exits through
// exit(), which runs static destructors); a crashed run leaves it for inspection.
class ScratchFolder {
 public:
  ScratchFolder() {
    const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    path_ = base / ("diffrecon-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `size` bytes to <folder>/<name>, replacing what was there.
  std::filesystem::path write(const std::string& name, const uint8_t* data, size_t size) const {
    const auto file = path_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return file;
  }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    return write(name, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }

  // Removes everything inside the folder (between inputs, so one input's files never reach the next).
  void clear() const {
    for (const auto& entry : std::filesystem::directory_iterator(path_)) std::filesystem::remove_all(entry.path());
  }

 private:
  std::filesystem::path path_;
};

// The one scratch folder of this harness process.
inline const ScratchFolder& scratch() {
  static const ScratchFolder folder;
  return folder;
}

[[noreturn]] inline void report_finding(const char* kind, const char* message) {
  std::fprintf(stderr, "fuzz finding: %s: %s\n", kind, message);
  std::abort();  // libFuzzer saves the input as crash-<sha1>
}

// Runs `parse`. Refusals pass: a diffrecon::Error other than InternalError, or one of the reader's
// own error types `Refusals...` (e.g. DicomError). Everything else aborts as a finding: an
// InternalError, a LibTorch error, and any other exception (std::out_of_range, a JSON library's
// type error, std::bad_alloc...), whose message would not name the input.
template <class... Refusals, class Parse>
void expect_clean_outcome(Parse&& parse) {
  try {
    parse();
  } catch (const InternalError& error) {
    report_finding("internal error", error.what());
  } catch (const Error&) {
    // the input was refused with DiffRecon's own message
  } catch (const c10::Error& error) {
    report_finding("LibTorch error (an input check is missing)", error.what_without_backtrace());
  } catch (const std::exception& error) {
    const bool refused = (... || (dynamic_cast<const Refusals*>(&error) != nullptr));
    if (!refused) report_finding(typeid(error).name(), error.what());
  }
}

}  // namespace diffrecon::fuzz
