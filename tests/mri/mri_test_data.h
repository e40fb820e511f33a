// Shared by the MRI tests: a smooth-edged test object, and running the `bart` reference tool.
#pragma once

#include <torch/types.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace diffrecon::mri::testing {

// A complex test object [H, W]: two overlapping ellipses with different values and a slow phase,
// zero outside a centred ellipse covering ~60% of the field of view.
inline torch::Tensor ellipse_object(int64_t height, int64_t width) {
  auto y = (torch::arange(height, torch::kFloat32) - height / 2.0) / (height / 2.0);
  auto x = (torch::arange(width, torch::kFloat32) - width / 2.0) / (width / 2.0);
  auto grid = torch::meshgrid({y, x}, "ij");
  auto outer = (grid[0] / 0.85).square() + (grid[1] / 0.7).square() < 1;
  auto inner = ((grid[0] - 0.2) / 0.3).square() + ((grid[1] + 0.1) / 0.25).square() < 1;
  auto magnitude = outer.to(torch::kFloat32) + 0.5 * inner.to(torch::kFloat32);
  auto phase = 0.4 * grid[1];
  return torch::polar(magnitude, phase);
}

// Runs a shell command, returns its output; throws (failing the test) on a non-zero exit.
inline std::string run_command(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  if (::pclose(pipe) != 0) throw std::runtime_error("'" + command + "' failed: " + output);
  return output;
}

// A fresh temporary folder removed at scope exit.
class TemporaryFolder {
 public:
  explicit TemporaryFolder(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TemporaryFolder() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace diffrecon::mri::testing
