// The project's executables link tcmalloc (DIFFRECON_WITH_TCMALLOC): a large tensor freed and allocated
// again must reuse the process's memory. The C library's malloc unmaps such a block on free, and the
// next allocation page-faults every 4 KiB page in again (what made batched network passes 5-9x
// slower: docs/benchmarks.md, "Throughput").
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <torch/types.h>

namespace diffrecon {
namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

TEST(Allocator, AFreedLargeTensorIsReusedWithoutPageFaults) {
  const int64_t floats = int64_t{64} << 18;  // 64 MiB
  { auto first = torch::ones({floats}); }    // faulted in once, then freed
  const auto before = minor_faults();
  {
    auto second = torch::ones({floats});
    EXPECT_EQ(second[floats - 1].item<float>(), 1.0f);
  }
  const long pages = floats * 4 / 4096;
  EXPECT_LT(minor_faults() - before, pages / 10) << "minor page faults for a tensor of " << pages << " pages";
}

}  // namespace
}  // namespace diffrecon
