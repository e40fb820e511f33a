#include "recon/pipeline/peak_memory.h"

#include <sys/resource.h>

#include <fstream>
#include <string>

namespace diffrecon {

PeakMemoryMeter::PeakMemoryMeter() {
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
