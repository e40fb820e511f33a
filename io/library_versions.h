// The versions of the libraries this build links, for the provenance every output records and for
// `diffrecon --version`. Which optional libraries appear follows the DIFFRECON_WITH_* options.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace diffrecon {

// {"LibTorch", "1.13.0"}, {"ITK", "5.2.1"}, ... in a fixed order.
std::vector<std::pair<std::string, std::string>> linked_library_versions();

}  // namespace diffrecon
