// `diffrecon demo`: the main job on built-in data (a simulated multi-coil brain scan, reconstructed
// and written as a DICOM study); `diffrecon demo --self-check`: the operator and solver self-check.
#pragma once

#include <string>
#include <vector>

namespace diffrecon::cli {

// `arguments` are those after "demo".
int run_demo(const std::vector<std::string>& arguments);

}  // namespace diffrecon::cli
