#pragma once

#include <string>
#include <vector>

namespace diffrecon::cli {

// diffrecon batch MANIFEST [options for every study]
int run_batch(const std::vector<std::string>& arguments);

}  // namespace diffrecon::cli
