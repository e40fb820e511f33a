#include "io/atomic_output.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace diffrecon
