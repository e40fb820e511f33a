// The one JSON report every output carries (a file output's <name>.json, a study folder's
// report.json), schema "diffrecon-report/1" (docs/reports.md lists every key). It records what
// changes the bits (method, parameters, prior and its SHA-256, seed, chains and their batch size)
// and what the run cost (seconds, network evaluations, the job's peak memory).
#pragma once

#include "io/atomic_output.h"
#include "recon/pipeline/reconstruction_record.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace diffrecon {

constexpr const char* kReportSchema = "diffrecon-report/1";

// The keys shared by every report; `outputs`: the files written (relative to the report's folder).
nlohmann::json report_json(const ReconstructionRecord& record, const std::vector<std::string>& outputs);

// Writes the report (or any JSON record: shard records, study parts) atomically (io/atomic_output.h);
// OutputError when it exists and `overwrite` is Refuse.
void write_report(const std::filesystem::path& path, const nlohmann::json& report, Overwrite overwrite);

}  // namespace diffrecon
