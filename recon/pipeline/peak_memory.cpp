#include "recon/pipeline/peak_memory.h"

#include <sys/resource.h>

#include <fstream>
#include <string>

// tcmalloc's (gperftools) call that hands its cached free memory back to the system; null unless the
// executable links tcmalloc (DIFFRECON_WITH_TCMALLOC), so the library does not depend on it.
extern "C" void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));

namespace diffrecon {

PeakMemoryMeter::PeakMemoryMeter() {
  // A caching allocator keeps what the last job freed resident; released first, it does not count as
  // this job's memory (and a batch's resident memory follows its studies, not its largest one).
  if (MallocExtension_ReleaseFreeMemory) MallocExtension_ReleaseFreeMemory();
  std::ofstream clear("/proc/self/clear_refs");
  if (clear) {
    clear << "5";
    clear.flush();
    reset_ = static_cast<bool>(clear);
  }
}

int64_t PeakMemoryMeter::peak_bytes() const {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      int64_t kilobytes = 0;
      status >> kilobytes;
      return kilobytes * 1024;
    }
    status.ignore(1 << 20, '\n');
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // kilobytes on Linux
}

}  // namespace diffrecon
