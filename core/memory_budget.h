// How much memory one job may ask for, checked before a large allocation: an input that declares an
// absurd size (a geometry of 2e9 rows, a header's matrix, a mask size) is refused with a message naming
// it instead of failing inside the allocator or driving the machine into swap. A value, passed to what
// needs it (the CLI's --memory-limit; by default the machine's physical memory or its cgroup limit).
#pragma once

#include <cstdint>
#include <string>

namespace diffrecon {

class MemoryBudget {
 public:
  explicit MemoryBudget(int64_t bytes);
  // Physical memory, or the cgroup v2 (memory.max) or v1 (memory.limit_in_bytes) limit when lower.
  static MemoryBudget of_this_machine();

  int64_t bytes() const { return bytes_; }
  // Throws InputError "<what> needs 384.0 GiB, more than the memory limit of 23.5 GiB
  // (--memory-limit)" when `bytes` (a double, so products of declared sizes cannot overflow) is larger.
  void require(double bytes, const std::string& what) const;

 private:
  int64_t bytes_;
};

}  // namespace diffrecon
