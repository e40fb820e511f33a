#include "io/atomic_output.h"

#include <atomic>
#include <chrono>
#include <string>
#include <system_error>

#include <cerrno>
#include <csignal>
#include <unistd.h>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

// ".partial-<host>-": how every temporary this host writes begins (then "<pid>-..."); '-' in the host
// name is replaced, so the PID after it can be read back.
std::string host_prefix() {
  char name[256] = {};
  std::string host = ::gethostname(name, sizeof name - 1) == 0 && name[0] ? name : "host";
  for (auto& c : host)
    if (c == '-' || c == '/') c = '_';
  return ".partial-" + host + "-";
}

// Unique per host, process and call, so concurrent writers of the same target (several processes,
// or the nodes of a cluster sharing a folder) do not collide. The name ends with the target's own file
// name, so writers that pick the format by extension (ITK: .nii.gz, .mha, .png) write the right format
// into the temporary.
fs::path temporary_sibling(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  auto name = host_prefix() + std::to_string(::getpid()) + "-" + std::to_string(stamp) + "-" +
              std::to_string(counter++) + "-" + target.filename().string();
  return target.parent_path() / name;
}

// The temporaries of `target` that a killed process of this host left behind (SIGKILL, a power cut:
// no destructor ran). Another host's are left alone: its process may still be writing.
void remove_stale_temporaries(const fs::path& folder, const fs::path& target) {
  const auto host = host_prefix();
  const auto suffix = "-" + target.filename().string();
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const auto name = it->path().filename().string();
    if (name.rfind(host, 0) != 0 || name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const auto pid_end = name.find('-', host.size());
    if (pid_end == std::string::npos) continue;
    long pid = 0;
    try {
      pid = std::stol(name.substr(host.size(), pid_end - host.size()));
    } catch (const std::exception&) {
      continue;
    }
    if (pid <= 0 || pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
  }
}

}  // namespace

void refuse_existing_outputs(const std::vector<fs::path>& paths, Overwrite overwrite) {
  if (overwrite == Overwrite::Allow) return;
  for (const auto& path : paths)
    if (fs::exists(fs::symlink_status(path)))
      throw OutputExistsError("output '" + path.string() + "' already exists");
}

AtomicOutput::AtomicOutput(fs::path target, Overwrite overwrite)
    : target_(std::move(target)), overwrite_(overwrite) {
  if (target_.empty() || target_.filename().empty())
    throw OutputError("output path '" + target_.string() + "' does not name a file or folder");
  const auto folder = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
  if (!fs::is_directory(folder))
    throw OutputError("output folder '" + folder.string() + "' for '" + target_.string() + "' does not exist");
  refuse_existing_outputs({target_}, overwrite_);
  remove_stale_temporaries(folder, target_);
  temporary_ = temporary_sibling(target_);
}

AtomicOutput::~AtomicOutput() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(temporary_, ignored);
}

void AtomicOutput::commit() {
  if (committed_) throw OutputError("output '" + target_.string() + "' was already committed");
  if (!fs::exists(fs::symlink_status(temporary_)))
    throw OutputError("nothing was written for output '" + target_.string() + "'");
  const bool target_exists = fs::exists(fs::symlink_status(target_));
  if (target_exists && overwrite_ == Overwrite::Refuse)
    throw OutputError("output '" + target_.string() + "' appeared while it was being written; not overwriting it");
  std::error_code error;
  if (target_exists && fs::is_directory(target_) && !fs::is_symlink(target_)) {
    // rename() cannot replace a non-empty directory: move the old one aside first, then delete it.
    const auto old = temporary_sibling(target_);
    fs::rename(target_, old, error);
    if (!error) fs::rename(temporary_, target_, error);
    if (error) {
      std::error_code restore;
      if (!fs::exists(target_)) fs::rename(old, target_, restore);
      throw OutputError("cannot replace output '" + target_.string() + "': " + error.message());
    }
    fs::remove_all(old, error);
  } else {
    fs::rename(temporary_, target_, error);  // atomically replaces an existing file
    if (error) throw OutputError("cannot move output into place at '" + target_.string() + "': " + error.message());
  }
  committed_ = true;
}

}  // namespace diffrecon
