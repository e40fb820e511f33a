// `diffrecon ct`: CT reconstruction from a sinogram and a geometry file, plus the `phantom` and
// `project` helpers that make test data (see README, section "CT").
#pragma once

#include <string>
#include <vector>

namespace diffrecon::cli {

// `arguments` are those after "ct".
int run_ct(const std::vector<std::string>& arguments);

}  // namespace diffrecon::cli
