#include "io/output_space.h"

#include "io/atomic_output.h"

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <cstdio>
#include <string>

namespace diffrecon {
namespace {

std::string mib(double bytes) {
  char text[32];
  if (bytes < 1024.0 * 1024.0) std::snprintf(text, sizeof text, "%.0f KiB", bytes / 1024.0);
  else std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return text;
}

}  // namespace

void require_output_space(const std::filesystem::path& target, double largest_file_bytes, double total_bytes) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      largest_file_bytes > static_cast<double>(limit.rlim_cur))
    throw OutputError("cannot write '" + target.string() + "': a file of up to " + mib(largest_file_bytes) +
                      " exceeds the file size limit of " + mib(double(limit.rlim_cur)) + " (ulimit -f)");
  const auto folder = target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
  struct statvfs space {};
  if (::statvfs(folder.c_str(), &space) == 0) {
    const double free_bytes = static_cast<double>(space.f_bavail) * static_cast<double>(space.f_frsize);
    if (total_bytes > free_bytes)
      throw OutputError("cannot write '" + target.string() + "': it needs up to " + mib(total_bytes) + ", and only " +
                        mib(free_bytes) + " are free in '" + folder.string() + "'");
  }
}

}  // namespace diffrecon
