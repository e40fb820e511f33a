// The peak resident memory of one job rather than of the process: on Linux, writing 5 to
// /proc/self/clear_refs resets the process's high-water mark (VmHWM) to its current size (proc(5)),
// so in a batch each study reports its own peak, not the largest so far. Where the reset is refused,
// the process's peak is reported and scope() says so. Free memory a caching allocator holds (tcmalloc,
// which the project's executables link) is handed back to the system first.
#pragma once

#include <cstdint>
#include <string>

namespace diffrecon {

class PeakMemoryMeter {
 public:
  PeakMemoryMeter();  // starts measuring: resets the high-water mark when the system allows it
  int64_t peak_bytes() const;   // the peak since construction (or of the process, see scope())
  std::string scope() const { return reset_ ? "job" : "process"; }

 private:
  bool reset_ = false;
};

}  // namespace diffrecon
