#include "recon/pipeline/shipped_models.h"

#include "core/error.h"

#include <cstdlib>
#include <system_error>

namespace diffrecon {

std::vector<std::filesystem::path> shipped_model_folders() {
  std::vector<std::filesystem::path> folders;
  if (const char* models = std::getenv("DIFFRECON_MODELS"); models && *models) folders.emplace_back(models);
  std::error_code error;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto here = executable.parent_path();
    folders.push_back(here.parent_path() / "share" / "diffrecon" / "models");
    folders.push_back(here / "share" / "diffrecon" / "models");
  }
  return folders;
}

std::filesystem::path shipped_prior_card(const std::string& name) {
  const auto folders = shipped_model_folders();
  for (const auto& folder : folders) {
    auto card = folder / name / "model.json";
    if (std::filesystem::exists(card)) return card;
  }
  std::string where;
  for (const auto& folder : folders) where += (where.empty() ? "" : " or ") + (folder / name / "model.json").string();
  throw InputError("the shipped prior '" + name + "' is not at " + where +
                   " (set DIFFRECON_MODELS to the folder holding it)");
}

}  // namespace diffrecon
