#include "recon/pipeline/study_parts.h"

#include "core/error.h"
#include "io/atomic_output.h"
#include "io/cfl.h"
#include "recon/pipeline/report.h"
#include "samplers/chain_moments.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace diffrecon {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string slice_name(int64_t slice) {
  char name[32];
  std::snprintf(name, sizeof name, "slice-%04lld", static_cast<long long>(slice));
  return name;
}

std::string chain_name(int64_t slice, int64_t chain) {
  char name[48];
  std::snprintf(name, sizeof name, "slice-%04lld.chain-%04lld", static_cast<long long>(slice), static_cast<long long>(chain));
  return name;
}

// The part's record, written atomically and last: its presence says the part is complete.
void write_json_last(const fs::path& folder, const std::string& name, const json& j) {
  write_report(folder / (name + ".json"), j, Overwrite::Allow);
}

json read_part_json(const fs::path& path) {
  std::ifstream file(path);
  const auto j = json::parse(file, nullptr, false);
  if (j.is_discarded()) throw InputError("study part '" + path.string() + "' is not valid JSON");
  return j;
}

json record_json(const ReconstructionRecord& r) {
  json j = {{"command", r.command},      {"method", r.method},         {"parameters", r.parameters},
            {"inputs", r.inputs},        {"prior_id", r.prior_id},     {"prior_sha256", r.prior_sha256},
            {"prior_card", r.prior_card}, {"peak_memory_bytes", r.peak_memory_bytes},
            {"peak_memory_scope", r.peak_memory_scope}, {"metrics", r.metrics}, {"timings_s", r.timings_s}};
  if (r.seed) j["seed"] = *r.seed;
  if (r.nfe) j["nfe"] = *r.nfe;
  if (r.network_image_evaluations) j["network_image_evaluations"] = *r.network_image_evaluations;
  if (r.decoder_passes) j["decoder_passes"] = *r.decoder_passes;
  if (r.network_seconds) j["network_seconds"] = *r.network_seconds;
  if (r.samples) j["samples"] = *r.samples;
  if (r.batch_size) j["batch_size"] = *r.batch_size;
  if (r.slices) j["slices"] = *r.slices;
  if (r.slice_batch) j["slice_batch"] = *r.slice_batch;
  return j;
}

ReconstructionRecord record_of(const json& j) {
  ReconstructionRecord r;
  r.command = j.at("command");
  r.method = j.at("method");
  r.parameters = j.at("parameters").get<decltype(r.parameters)>();
  r.inputs = j.at("inputs").get<std::vector<std::string>>();
  r.prior_id = j.at("prior_id");
  r.prior_sha256 = j.at("prior_sha256");
  r.prior_card = j.at("prior_card");
  r.peak_memory_bytes = j.at("peak_memory_bytes");
  r.peak_memory_scope = j.at("peak_memory_scope");
  r.metrics = j.at("metrics").get<decltype(r.metrics)>();
  r.timings_s = j.at("timings_s").get<decltype(r.timings_s)>();
  if (j.contains("seed")) r.seed = j["seed"].get<uint64_t>();
  if (j.contains("nfe")) r.nfe = j["nfe"].get<int64_t>();
  if (j.contains("network_image_evaluations")) r.network_image_evaluations = j["network_image_evaluations"].get<int64_t>();
  if (j.contains("decoder_passes")) r.decoder_passes = j["decoder_passes"].get<int64_t>();
  if (j.contains("network_seconds")) r.network_seconds = j["network_seconds"].get<double>();
  if (j.contains("samples")) r.samples = j["samples"].get<int64_t>();
  if (j.contains("batch_size")) r.batch_size = j["batch_size"].get<int64_t>();
  if (j.contains("slices")) r.slices = j["slices"].get<int64_t>();
  if (j.contains("slice_batch")) r.slice_batch = j["slice_batch"].get<int64_t>();
  return r;
}

// A [1, H, W] tensor as a .cfl [W, H] (BART's order: dims reversed).
void write_slice(const fs::path& name, const torch::Tensor& slice) {
  write_cfl(name, slice[0].t().contiguous().to(torch::kComplexFloat), {}, Overwrite::Allow);
}

torch::Tensor read_slice(const fs::path& name, bool complex) {
  auto data = read_cfl(name).data;
  auto image = data.reshape({data.size(0), data.size(1)}).t().contiguous().clone();
  return complex ? image : torch::real(image).contiguous();
}

}  // namespace

fs::path study_parts_folder(const fs::path& study_folder) {
  const auto folder = study_folder.has_filename() ? study_folder : study_folder.parent_path();
  return folder.parent_path() / ("." + folder.filename().string() + ".parts");
}

bool has_study_part(const fs::path& study_folder, int64_t slice) {
  return fs::is_regular_file(study_parts_folder(study_folder) / (slice_name(slice) + ".json"));
}

void write_study_part(const fs::path& study_folder, int64_t slice, const Reconstruction& part, const std::string& host) {
  if (!part.image.defined() || part.image.dim() != 3 || part.image.size(0) != 1)
    throw InternalError("write_study_part: expected one slice [1, H, W]");
  const auto folder = study_parts_folder(study_folder);
  fs::create_directories(folder);
  const auto name = slice_name(slice);
  write_slice(folder / (name + ".cfl"), part.image);
  if (part.std.defined()) write_slice(folder / (name + ".std.cfl"), part.std);
  write_json_last(folder, name, {{"slice", slice}, {"host", host}, {"complex", part.image.is_complex()},
                                  {"has_std", part.std.defined()}, {"record", record_json(part.record)}});
}

bool has_study_chain_part(const fs::path& study_folder, int64_t slice, int64_t chain) {
  return fs::is_regular_file(study_parts_folder(study_folder) / (chain_name(slice, chain) + ".json"));
}

void write_study_chain_part(const fs::path& study_folder, int64_t slice, int64_t chain, const torch::Tensor& sample,
                            const ReconstructionRecord& record, const std::string& host) {
  const auto folder = study_parts_folder(study_folder);
  fs::create_directories(folder);
  const auto name = chain_name(slice, chain);
  write_slice(folder / (name + ".cfl"), sample.unsqueeze(0));
  write_json_last(folder, name, {{"slice", slice}, {"chain", chain}, {"host", host}, {"complex", sample.is_complex()},
                                 {"record", record_json(record)}});
}

namespace {

// The record of a later part folded into the first: timings, network images and network seconds
// summed, the largest peak memory.
void fold_record(ReconstructionRecord& total, const ReconstructionRecord& record) {
  if (record.network_image_evaluations)
    total.network_image_evaluations = total.network_image_evaluations.value_or(0) + *record.network_image_evaluations;
  if (record.network_seconds) total.network_seconds = total.network_seconds.value_or(0.0) + *record.network_seconds;
  for (const auto& timing : record.timings_s) {
    auto it = std::find_if(total.timings_s.begin(), total.timings_s.end(),
                           [&](const auto& t) { return t.first == timing.first; });
    if (it == total.timings_s.end()) total.timings_s.push_back(timing);
    else it->second += timing.second;
  }
  total.peak_memory_bytes = std::max(total.peak_memory_bytes, record.peak_memory_bytes);
}

}  // namespace

AssembledStudy assemble_study_parts(const fs::path& study_folder, int64_t slices, int64_t chains) {
  AssembledStudy assembled;
  const auto folder = study_parts_folder(study_folder);
  std::vector<torch::Tensor> images, stds;
  bool first = true;
  for (int64_t s = 0; s < slices; ++s) {
    if (chains > 0) {
      ChainMoments moments;
      torch::ScalarType dtype = torch::kComplexFloat;
      bool complete = true;
      for (int64_t c = 0; c < chains; ++c) {
        if (!has_study_chain_part(study_folder, s, c)) {
          assembled.missing_chains.emplace_back(s, c);
          complete = false;
          continue;
        }
        const auto name = chain_name(s, c);
        const auto j = read_part_json(folder / (name + ".json"));
        const bool complex = j.at("complex");
        dtype = complex ? torch::kComplexFloat : torch::kFloat;
        moments.add(read_slice(folder / (name + ".cfl"), complex));
        auto record = record_of(j.at("record"));
        if (first) assembled.result.record = record, first = false;
        else fold_record(assembled.result.record, record);
        if (c == 0) assembled.hosts.push_back(j.at("host"));
      }
      if (!complete) {
        assembled.missing.push_back(s);
        continue;
      }
      images.push_back(moments.mean(dtype));
      if (chains > 1) stds.push_back(moments.std(dtype));
      continue;
    }
    if (!has_study_part(study_folder, s)) {
      assembled.missing.push_back(s);
      continue;
    }
    const auto name = slice_name(s);
    const auto j = read_part_json(folder / (name + ".json"));
    const bool complex = j.at("complex"), has_std = j.at("has_std");
    images.push_back(read_slice(folder / (name + ".cfl"), complex));
    if (has_std) stds.push_back(read_slice(folder / (name + ".std.cfl"), false));
    if (images.back().sizes() != images.front().sizes())
      throw InputError("study part '" + (folder / name).string() + "' is " + c10::str(images.back().sizes()) +
                       ", the others " + c10::str(images.front().sizes()));
    assembled.hosts.push_back(j.at("host"));
    auto record = record_of(j.at("record"));
    if (first) assembled.result.record = record, first = false;
    else fold_record(assembled.result.record, record);
  }
  if (!assembled.missing.empty()) return assembled;
  if (chains > 0) {
    // The record of one run of all the chains: the chain count and the total of network images.
    auto& record = assembled.result.record;
    record.samples = chains;
    for (auto& [name, value] : record.parameters)
      if (name == "samples") value = std::to_string(chains);
  }
  // Each part sampled its slice alone.
  if (assembled.result.record.slices) assembled.result.record.slices = slices;
  assembled.result.image = torch::stack(images);
  if (stds.size() == images.size()) assembled.result.std = torch::stack(stds);
  return assembled;
}

void remove_study_parts(const fs::path& study_folder) {
  std::error_code ignored;
  fs::remove_all(study_parts_folder(study_folder), ignored);
}

}  // namespace diffrecon
