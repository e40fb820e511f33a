// Where the priors that ship with DiffRecon are found, in this order:
//   1. $DIFFRECON_MODELS/<name>/model.json, when the variable is set;
//   2. <folder of the running executable>/../share/diffrecon/models/<name> (an installed tree:
//      `cmake --install` puts them in <prefix>/share/diffrecon/models);
//   3. <folder of the running executable>/share/diffrecon/models/<name> (a build tree: the build links
//      its share/diffrecon/models to the source tree's models/).
// No source path is compiled into the binary.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace diffrecon {

// The folders searched, in order (those that need an executable path use /proc/self/exe).
std::vector<std::filesystem::path> shipped_model_folders();

// The model card of shipped prior `name` ("mri-brain", "ct-body"). InputError naming every place
// looked at when none holds it.
std::filesystem::path shipped_prior_card(const std::string& name);

}  // namespace diffrecon
