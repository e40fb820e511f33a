// The command line of `diffrecon mri` and `diffrecon ct` (the options a batch row or a user passes),
// parsed into the typed study job exactly as `diffrecon batch` does: options checked, input read,
// prior loaded for a posterior method, nothing reconstructed and nothing written. The input is the
// argument list, NUL-separated; its first argument picks the command ("mri" or "ct"). Small inputs
// exist in the scratch folder, where relative paths point (made once at start): k.cfl (8 x 8, 2
// coils), sino.cfl (12 views x 17 detectors) and geometry.json (12 views, 8 x 8 image), so options
// are reached past the reading.
#include "io/cfl.h"
#include "recon/cli/ct_command.h"
#include "recon/cli/mri_command.h"
#include "tests/fuzz/fuzz_input.h"

#include <torch/torch.h>

#include <string>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto& folder = diffrecon::fuzz::scratch();
  torch::manual_seed(0);
  diffrecon::write_cfl(folder.path() / "k", torch::randn({8, 8, 1, 2}, torch::kComplexFloat));
  diffrecon::write_cfl(folder.path() / "sino", torch::rand({17, 12}, torch::kFloat32).to(torch::kComplexFloat));
  folder.write("geometry.json", R"({"beam": "parallel", "views": 12, "angular_range_deg": 180,
    "detector": {"count": 17, "spacing_mm": 1.0}, "image": {"rows": 8, "columns": 8, "pixel_size_mm": 1.0}})");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> arguments;
  std::string current;
  for (size_t k = 0; k < size; ++k) {
    if (data[k] == 0) {
      arguments.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[k]);
    }
  }
  arguments.push_back(current);
  const std::string command = arguments.front();
  arguments.erase(arguments.begin());
  // Relative paths in the arguments are relative to the scratch folder, for this input only (libFuzzer
  // itself keeps its own working folder).
  const auto outside = std::filesystem::current_path();
  std::filesystem::current_path(diffrecon::fuzz::scratch().path());
  diffrecon::fuzz::expect_clean_outcome([&] {
    if (command == "ct") diffrecon::cli::ct_study_request(arguments);
    else diffrecon::cli::mri_study_request(arguments);
  });
  std::filesystem::current_path(outside);
  return 0;
}
