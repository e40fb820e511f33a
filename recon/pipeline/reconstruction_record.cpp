#include "recon/pipeline/reconstruction_record.h"

#include "core/version.h"

namespace diffrecon {

std::string ReconstructionRecord::parameter_text() const {
  std::string text;
  for (const auto& [name, value] : parameters) text += (text.empty() ? "" : " ") + name + "=" + value;
  return text;
}

std::string ReconstructionRecord::derivation() const {
  std::string text = "DiffRecon " + diffrecon_version() + " " + command + " " + method;
  if (!parameters.empty()) text += "; " + parameter_text();
  text += "; prior " + (prior_id.empty() ? std::string("none") : prior_id + " sha256 " + prior_sha256);
  text += "; seed " + (seed ? std::to_string(*seed) : std::string("none"));
  text += "; NFE " + std::to_string(nfe.value_or(0));
  return text;
}

}  // namespace diffrecon
