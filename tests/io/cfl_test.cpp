// BART .cfl/.hdr reading and writing, checked against the real `bart` binary in both directions:
// arrays bart writes read back with the values `bart show` prints, and arrays we write are processed
// by `bart` (scale, show -m) and read back.
#include "io/cfl.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace diffrecon {
namespace {

namespace fs = std::filesystem;

// Runs a shell command and returns its standard output; fails the test on a non-zero exit.
std::string run_command(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0) throw std::runtime_error("'" + command + "' failed (" + std::to_string(status) + "): " + output);
  return output;
}

// The array's values in file (column-major) order.
torch::Tensor in_memory_order(const torch::Tensor& t) {
  std::vector<int64_t> reversed(t.dim());
  for (int64_t i = 0; i < t.dim(); ++i) reversed[i] = t.dim() - 1 - i;
  return t.permute(reversed).contiguous().view(-1);
}

// The values `bart show` prints ("+1.0e+00-2.0e+00i" per element), in its (file) order.
torch::Tensor bart_show_values(const fs::path& name) {
  const auto text = run_command("bart show -f '%+.9e%+.9ei' " + name.string());
  std::vector<float> numbers;
  const char* position = text.c_str();
  while (*position) {
    char* end = nullptr;
    const double value = std::strtod(position, &end);
    if (end == position) {
      ++position;  // a separator or the 'i'
      continue;
    }
    numbers.push_back(static_cast<float>(value));
    position = end;
  }
  return torch::view_as_complex(torch::tensor(numbers).view({-1, 2})).clone();
}

class CflTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("diffrecon-cfl-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

  // A raw pair with `header` text and `bytes` zero bytes of data.
  fs::path raw_array(const std::string& name, const std::string& header, size_t bytes) {
    write_text(folder_ / (name + ".hdr"), header);
    write_text(folder_ / (name + ".cfl"), std::string(bytes, '\0'));
    return folder_ / name;
  }

  template <typename F>
  static std::string error_of(F&& f) {
    try {
      f();
    } catch (const CflError& error) {
      return error.what();
    }
    return "(no CflError)";
  }

  fs::path folder_;
};

TEST_F(CflTest, ReadsBartPhantomWithTheValuesBartShows) {
  const auto name = folder_ / "phantom";
  run_command("bart phantom -x 6 -k -s 3 " + name.string());
  const auto array = read_cfl(name);
  const std::array<int64_t, 16> expected_dims{6, 6, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(array.header.dims, expected_dims);
  ASSERT_EQ(array.data.sizes(), c10::IntArrayRef(expected_dims.data(), 16));
  const auto shown = bart_show_values(name);
  ASSERT_EQ(shown.numel(), 6 * 6 * 3);
  EXPECT_TRUE(torch::allclose(in_memory_order(array.data), shown, 1e-6, 1e-3));
  // Column-major: element (x=1, y=2, coil=1) is number 1 + 6*2 + 36*1 in the file.
  EXPECT_TRUE(torch::allclose(array.data.index({1, 2, 0, 1}).view(-1).squeeze(0), shown[1 + 6 * 2 + 36 * 1]));
  // BART's own header sections are kept.
  ASSERT_GE(array.header.sections.size(), 1u);
  EXPECT_EQ(array.header.sections[0].keyword, "Command");
  EXPECT_NE(array.header.sections[0].lines.at(0).find("phantom -x 6"), std::string::npos);
}

TEST_F(CflTest, BartProcessesWhatWeWrite) {
  auto data = torch::randn({5, 4, 1, 3}, torch::kComplexFloat);
  const auto ours = folder_ / "ours";
  write_cfl(ours, data, {{"Creator", {"DiffRecon test"}}});
  EXPECT_NE(run_command("bart show -m " + ours.string()).find("5\t4\t1\t3\t1\t1"), std::string::npos);
  EXPECT_TRUE(torch::allclose(bart_show_values(ours), in_memory_order(data), 1e-6, 1e-6));
  const auto scaled = folder_ / "scaled";
  run_command("bart scale 2 " + ours.string() + " " + scaled.string());
  const auto back = read_cfl(scaled);
  EXPECT_TRUE(torch::allclose(back.data.squeeze(), 2 * data.squeeze(), 1e-6, 1e-6));
}

TEST_F(CflTest, RoundTripKeepsAllSixteenDimsAndHeaderSections) {
  std::vector<int64_t> shape(16, 1);
  shape[0] = 3;
  shape[3] = 2;
  shape[10] = 2;
  shape[15] = 2;
  auto data = torch::randn(shape, torch::kComplexFloat);
  const std::vector<CflHeaderSection> sections{{"Command", {"diffrecon test"}}, {"Creator", {"DiffRecon", "second line"}}};
  write_cfl(folder_ / "x.cfl", data, sections);  // an extension is accepted and stripped
  const auto back = read_cfl(folder_ / "x");
  EXPECT_TRUE(torch::equal(back.data, data));
  ASSERT_EQ(back.header.sections.size(), 2u);
  EXPECT_EQ(back.header.sections[1].keyword, "Creator");
  EXPECT_EQ(back.header.sections[1].lines, (std::vector<std::string>{"DiffRecon", "second line"}));
  EXPECT_EQ(fs::file_size(folder_ / "x.cfl"), 3u * 2 * 2 * 2 * 8);
}

TEST_F(CflTest, RealTensorsAreWrittenAsComplex) {
  auto data = torch::arange(6, torch::kFloat64).view({2, 3});
  write_cfl(folder_ / "real", data);
  const auto back = read_cfl(folder_ / "real");
  EXPECT_TRUE(torch::equal(torch::real(back.data.squeeze()), data.to(torch::kFloat32)));
  EXPECT_EQ(torch::imag(back.data).abs().max().item<float>(), 0.0f);
}

TEST_F(CflTest, HeaderWithFewerDimsAndTrailingOnesIsAccepted) {
  // `bart poisson` writes five numbers; extra numbers equal to 1 are allowed.
  const auto short_dims = raw_array("short", "# Dimensions\n1 4 3 1 1\n", 4 * 3 * 8);
  EXPECT_EQ(read_cfl(short_dims).data.size(1), 4);
  const auto long_dims = raw_array("long", "# Dimensions\n2 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 \n", 2 * 8);
  EXPECT_EQ(read_cfl(long_dims).data.size(0), 2);
}

TEST_F(CflTest, MalformedHeadersAreExplained) {
  const auto seventeen = raw_array("big", "# Dimensions\n1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 2\n", 16);
  EXPECT_NE(error_of([&] { read_cfl(seventeen); }).find("dimension 16 = 2"), std::string::npos);
  const auto no_dims = raw_array("nodims", "# Command\nphantom\n", 8);
  EXPECT_NE(error_of([&] { read_cfl(no_dims); }).find("no '# Dimensions'"), std::string::npos);
  const auto bad_number = raw_array("bad", "# Dimensions\n4 x 1\n", 8);
  EXPECT_NE(error_of([&] { read_cfl(bad_number); }).find("dimension 1 is 'x'"), std::string::npos);
  const auto zero = raw_array("zero", "# Dimensions\n4 0 1\n", 0);
  EXPECT_NE(error_of([&] { read_cfl(zero); }).find("positive integer"), std::string::npos);
}

// Found by tests/fuzz/cfl_fuzzer (regressions/cfl_fuzzer/dims_product_overflow): dims whose product
// overflowed int64 reached the byte count unchecked.
TEST_F(CflTest, DimsWhoseProductOverflowsAreRefused) {
  const auto huge = raw_array("huge", "# Dimensions\n2222222222222222222\n", 8);
  EXPECT_NE(error_of([&] { read_cfl(huge); }).find("more than 2^60 elements"), std::string::npos);
  const auto product = raw_array("product", "# Dimensions\n4294967296 4294967296 4\n", 8);
  EXPECT_NE(error_of([&] { read_cfl(product); }).find("more than 2^60 elements"), std::string::npos);
}

TEST_F(CflTest, TruncatedAndOversizedDataAreErrorsNamingBothFiles) {
  const auto truncated = raw_array("cut", "# Dimensions\n4 4 1 2 \n", 4 * 4 * 2 * 8 - 3);
  const auto message = error_of([&] { read_cfl(truncated); });
  EXPECT_NE(message.find("cut.cfl' has 253 bytes"), std::string::npos) << message;
  EXPECT_NE(message.find("needs 256"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  const auto oversized = raw_array("over", "# Dimensions\n4 4 \n", 4 * 4 * 8 + 8);
  EXPECT_NE(error_of([&] { read_cfl(oversized); }).find("over.hdr"), std::string::npos);
}

TEST_F(CflTest, MissingFilesAreNamed) {
  EXPECT_NE(error_of([&] { read_cfl(folder_ / "absent"); }).find("absent.hdr"), std::string::npos);
  write_text(folder_ / "onlyheader.hdr", "# Dimensions\n2 2\n");
  EXPECT_NE(error_of([&] { read_cfl(folder_ / "onlyheader"); }).find("onlyheader.cfl"), std::string::npos);
}

TEST_F(CflTest, ExistingArrayIsNotOverwrittenWithoutPermission) {
  const auto name = folder_ / "keep";
  write_cfl(name, torch::ones({2, 2}, torch::kComplexFloat));
  EXPECT_THROW(write_cfl(name, torch::zeros({3, 3}, torch::kComplexFloat)), OutputExistsError);
  EXPECT_EQ(read_cfl(name).data.size(0), 2);
  write_cfl(name, torch::zeros({3, 3}, torch::kComplexFloat), {}, Overwrite::Allow);
  EXPECT_EQ(read_cfl(name).data.size(0), 3);
}

TEST_F(CflTest, WritingIntoTheMappedTensorLeavesTheFileUnchanged) {
  const auto name = folder_ / "mapped";
  write_cfl(name, torch::ones({4, 4}, torch::kComplexFloat));
  {
    auto array = read_cfl(name);
    array.data.fill_(7.0);
    EXPECT_EQ(torch::real(array.data).sum().item<float>(), 7.0f * 16);
  }
  EXPECT_EQ(torch::real(read_cfl(name).data).sum().item<float>(), 16.0f);
}

}  // namespace
}  // namespace diffrecon
