// The memory budget: declared sizes are refused against it before anything is allocated.
#include "core/error.h"
#include "core/memory_budget.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

TEST(MemoryBudget, RefusesWhatIsLargerNamingItAndTheLimit) {
  const MemoryBudget budget(1024 * 1024 * 1024);
  budget.require(1024.0 * 1024.0 * 1024.0, "exactly the limit");
  try {
    // 2e9 x 2e9 float pixels: a product that would overflow 64-bit integers.
    budget.require(4.0 * 2e9 * 2e9, "geometry 'huge.json'");
    FAIL() << "accepted more than the limit";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("geometry 'huge.json' needs"), std::string::npos) << message;
    EXPECT_NE(message.find("more than the memory limit of 1.0 GiB (--memory-limit)"), std::string::npos) << message;
  }
  EXPECT_THROW(MemoryBudget(0), InputError);
}

TEST(MemoryBudget, TheMachinesBudgetIsItsMemory) {
  const auto budget = MemoryBudget::of_this_machine();
  EXPECT_GT(budget.bytes(), int64_t{256} << 20);  // any machine that runs the tests
  EXPECT_LT(budget.bytes(), int64_t{1} << 50);
}

}  // namespace
}  // namespace diffrecon
