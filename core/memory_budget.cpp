#include "core/memory_budget.h"

#include "core/error.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace diffrecon {
namespace {

// The first integer in `path` (cgroup files hold one, or "max" for no limit); -1 when there is none.
int64_t limit_in(const char* path) {
  std::ifstream file(path);
  long long value = -1;
  if (file >> value && value > 0) return static_cast<int64_t>(value);
  return -1;
}

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}

}  // namespace

MemoryBudget::MemoryBudget(int64_t bytes) : bytes_(bytes) {
  if (bytes <= 0) throw InputError("memory limit " + std::to_string(bytes) + " bytes: expected a positive size");
}

MemoryBudget MemoryBudget::of_this_machine() {
  int64_t bytes = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
  for (const char* cgroup : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const int64_t limit = limit_in(cgroup);
    if (limit > 0) bytes = std::min(bytes, limit);
  }
  return MemoryBudget(std::max<int64_t>(bytes, 1));
}

void MemoryBudget::require(double bytes, const std::string& what) const {
  if (!(bytes <= static_cast<double>(bytes_)))
    throw InputError(what + " needs " + gib(bytes) + ", more than the memory limit of " + gib(double(bytes_)) +
                     " (--memory-limit)");
}

}  // namespace diffrecon
