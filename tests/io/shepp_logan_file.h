// ISMRMRD test files from ismrmrd_generate_cartesian_shepp_logan (Debian's ismrmrd-tools), and the
// phantom and coil maps the generator stores beside the data.
#pragma once

#include "io/ismrmrd_reader.h"
#include "tests/scratch_folder.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace diffrecon::testing {

class SheppLoganFile : public ::testing::Test {
 protected:
  // Runs the generator with `arguments`; returns the file.
  std::filesystem::path generate(const std::string& arguments) {
    const auto file = folder_ / "scan.h5";
    const auto command = "ismrmrd_generate_cartesian_shepp_logan " + arguments + " -o " + file.string() + " > /dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
    return file;
  }

  // The stored phantom [x, y] and coil maps [x, y, c] as [H, W] and [C, H, W].
  static torch::Tensor phantom_of(const std::filesystem::path& file) {
    auto phantom = read_ismrmrd_array(file, "phantom");
    return phantom.reshape({phantom.size(0), phantom.size(1)});
  }
  static torch::Tensor maps_of(const std::filesystem::path& file) {
    auto maps = read_ismrmrd_array(file, "csm");
    return maps.reshape({maps.size(0), maps.size(1), maps.size(2)}).permute({2, 0, 1}).contiguous();
  }

  ScratchFolder folder_;
};

}  // namespace diffrecon::testing
