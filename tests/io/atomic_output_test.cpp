#include "io/atomic_output.h"
#include "io/output_space.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sys/resource.h>
#include <unistd.h>

namespace diffrecon {
namespace {

namespace fs = std::filesystem;

class AtomicOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("diffrecon-atomic-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  static void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(folder_), {})); }

  fs::path folder_;
};

TEST_F(AtomicOutputTest, CommitMovesTheFileIntoPlace) {
  AtomicOutput output(folder_ / "image.cfl", Overwrite::Refuse);
  write(output.temporary_path(), "data");
  EXPECT_FALSE(fs::exists(folder_ / "image.cfl"));  // invisible until committed
  output.commit();
  EXPECT_EQ(read(folder_ / "image.cfl"), "data");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicOutputTest, FailureBeforeCommitLeavesNothingBehind) {
  {
    AtomicOutput output(folder_ / "series", Overwrite::Refuse);
    fs::create_directories(output.temporary_path());
    write(output.temporary_path() / "slice1.dcm", "partial");
  }  // e.g. an exception while writing the series
  EXPECT_EQ(entries(), 0u);
}

TEST_F(AtomicOutputTest, ExistingOutputIsRefusedWithoutForce) {
  write(folder_ / "result.png", "user data");
  try {
    AtomicOutput output(folder_ / "result.png", Overwrite::Refuse);
    FAIL() << "expected OutputExistsError";
  } catch (const OutputExistsError& error) {
    EXPECT_NE(std::string(error.what()).find("result.png' already exists"), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find("--"), std::string::npos) << "a library message names a CLI flag";
  }
  EXPECT_EQ(read(folder_ / "result.png"), "user data");
}

TEST_F(AtomicOutputTest, ForceReplacesFilesAndDirectories) {
  write(folder_ / "result.png", "old");
  AtomicOutput file(folder_ / "result.png", Overwrite::Allow);
  write(file.temporary_path(), "new");
  file.commit();
  EXPECT_EQ(read(folder_ / "result.png"), "new");

  fs::create_directories(folder_ / "series");
  write(folder_ / "series" / "old.dcm", "old");
  AtomicOutput directory(folder_ / "series", Overwrite::Allow);
  fs::create_directories(directory.temporary_path());
  write(directory.temporary_path() / "new.dcm", "new");
  directory.commit();
  EXPECT_FALSE(fs::exists(folder_ / "series" / "old.dcm"));
  EXPECT_EQ(read(folder_ / "series" / "new.dcm"), "new");
  EXPECT_EQ(entries(), 2u);  // result.png and series; no leftovers
}

TEST_F(AtomicOutputTest, MissingFolderAndEmptyCommitAreErrors) {
  EXPECT_THROW(AtomicOutput(folder_ / "missing" / "x.cfl", Overwrite::Allow), OutputError);
  AtomicOutput output(folder_ / "x.cfl", Overwrite::Refuse);
  EXPECT_THROW(output.commit(), OutputError);  // nothing was written
}

// A process killed while writing leaves its temporary; the next write of the same output on this host
// removes it once that process is gone, and leaves a live process's and another host's alone.
TEST_F(AtomicOutputTest, TemporariesOfKilledProcessesAreRemovedByTheNextWrite) {
  char name[256] = {};
  ASSERT_EQ(::gethostname(name, sizeof name - 1), 0);
  std::string host(name);
  for (auto& c : host)
    if (c == '-' || c == '/') c = '_';
  // A PID above the kernel's limit (4194304) never runs.
  const auto dead = folder_ / (".partial-" + host + "-4194400-1-0-out.txt");
  const auto live = folder_ / (".partial-" + host + "-" + std::to_string(::getppid()) + "-1-0-out.txt");
  const auto elsewhere = folder_ / ".partial-otherhost-4194400-1-0-out.txt";
  const auto other_output = folder_ / (".partial-" + host + "-4194400-1-0-else.txt");
  for (const auto& path : {dead, live, elsewhere, other_output}) write(path, "partial");
  {
    AtomicOutput output(folder_ / "out.txt", Overwrite::Refuse);
    write(output.temporary_path(), "whole");
    output.commit();
  }
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(elsewhere));
  EXPECT_TRUE(fs::exists(other_output));
  EXPECT_EQ(read(folder_ / "out.txt"), "whole");
}

// Room is checked before writing: ITK and DCMTK report success for a file cut short by a size limit.
TEST_F(AtomicOutputTest, OutputsBeyondTheFileSizeLimitAreRefusedBeforeWriting) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit limited = saved;
  limited.rlim_cur = 8192;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  std::string message;
  try {
    require_output_space(folder_ / "big.nii", 100000.0, 100000.0);
  } catch (const OutputError& error) {
    message = error.what();
  }
  EXPECT_NO_THROW(require_output_space(folder_ / "small.nii", 4000.0, 4000.0));
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  EXPECT_NE(message.find("cannot write '" + (folder_ / "big.nii").string() + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("exceeds the file size limit of 8 KiB (ulimit -f)"), std::string::npos) << message;
  // More than any file system holds.
  EXPECT_THROW(require_output_space(folder_ / "huge.nii", 1.0, 1e21), OutputError);
}

}  // namespace
}  // namespace diffrecon
