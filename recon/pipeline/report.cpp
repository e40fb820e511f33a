#include "recon/pipeline/report.h"

#include "core/version.h"
#include "io/library_versions.h"

#include <fstream>

namespace diffrecon {

using nlohmann::json;

json report_json(const ReconstructionRecord& r, const std::vector<std::string>& outputs) {
  json report;
  report["schema"] = kReportSchema;
  report["software"] = {{"diffrecon", diffrecon_version()}};
  for (const auto& [library, version] : linked_library_versions()) report["software"][library] = version;
  report["command"] = r.command;
  report["method"] = r.method;
  report["parameters"] = json::object();
  for (const auto& [name, value] : r.parameters) report["parameters"][name] = value;
  report["inputs"] = r.inputs;
  report["outputs"] = outputs;
  report["prior"] = r.prior_id.empty() ? json(nullptr)
                                       : json{{"id", r.prior_id}, {"card", r.prior_card}, {"sha256", r.prior_sha256}};
  report["seed"] = r.seed ? json(*r.seed) : json(nullptr);
  report["samples"] = r.samples ? json(*r.samples) : json(nullptr);
  report["batch_size"] = r.batch_size ? json(*r.batch_size) : json(nullptr);
  report["nfe_per_chain"] = r.nfe.value_or(0);
  report["network_image_evaluations"] = r.network_image_evaluations.value_or(0);
  if (r.decoder_passes) report["decoder_passes_per_chain"] = *r.decoder_passes;
  if (r.network_seconds) report["network_seconds"] = *r.network_seconds;
  double seconds = 0;
  report["timings_s"] = json::object();
  for (const auto& [name, value] : r.timings_s) {
    report["timings_s"][name] = value;
    seconds += value;
  }
  report["seconds"] = seconds;
  if (r.slices) {
    report["slices"] = *r.slices;
    report["slice_batch"] = r.slice_batch ? json(*r.slice_batch) : json(nullptr);
    report["slices_per_minute"] = seconds > 0 ? json(60.0 * double(*r.slices) / seconds) : json(nullptr);
  }
  report["peak_memory_mib"] = static_cast<double>(r.peak_memory_bytes) / (1024.0 * 1024.0);
  report["peak_memory_scope"] = r.peak_memory_scope.empty() ? json(nullptr) : json(r.peak_memory_scope);
  report["metrics"] = json::object();
  for (const auto& [name, value] : r.metrics) report["metrics"][name] = value;
  report["derivation"] = r.derivation();
  return report;
}

void write_report(const std::filesystem::path& path, const json& report, Overwrite overwrite) {
  AtomicOutput output(path, overwrite);
  {
    std::ofstream file(output.temporary_path());
    file << report.dump(2) << "\n";
    if (!file) throw OutputError("cannot write " + path.string());
  }
  output.commit();
}

}  // namespace diffrecon
