#include "recon/cli/study_options.h"

#include "io/dicom_series_reader.h"
#include "io/image_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace diffrecon::cli {
namespace fs = std::filesystem;

const OptionGroup& study_option_group() {
  static const OptionGroup group{
      "study folder output (--out DIR/: DICOM series + preview.png + report.json)",
      {{"--uid-root", "ROOT", "organisation UID root for new UIDs (default 1.2.276.0.7230010.3, DCMTK's)"},
       {"--patient-from", "DIR", "carry patient and study (Study Instance UID too) from a DICOM series"},
       {"--body-part", "NAME", "Body Part Examined (default HEAD)"},
       {"--send", "AET@host:port", "C-STORE the series to a PACS, every instance's status checked"},
       {"--calling-aet", "AET", "our AE title (default DIFFRECON)"},
       {"--send-timeout", "S", "seconds before an unanswered PACS is given up (default 30)"},
       {"--tls", "", "send over DICOM TLS (BCP 195 profile); the PACS's certificate is verified"},
       {"--tls-ca", "FILE", "CA certificate(s) that signed the PACS's certificate (PEM)"},
       {"--tls-cert", "FILE", "our certificate (PEM), for a PACS that asks for one; with --tls-key"},
       {"--tls-key", "FILE", "our private key (PEM, not encrypted)"},
       {"--tls-no-verify", "", "accept any certificate the PACS presents (testing only)"},
       {"--config", "FILE",
        "JSON defaults {\"send\", \"calling_aet\", \"send_timeout_s\", \"uid_root\", \"tls\": true,\n"
        "\"tls_ca\", \"tls_cert\", \"tls_key\" (paths relative to the file), \"tls_verify\": false}\n"
        "(default $DIFFRECON_CONFIG); options given on the command line win"}}};
  return group;
}

bool is_study_folder(const std::string& out) {
  return !out.empty() && (out.back() == '/' || fs::is_directory(out) || fs::path(out).extension().empty());
}

namespace {

struct ConfigDefaults {
  std::optional<std::string> send, calling_aet, uid_root;
  std::optional<int> timeout_s;
  std::optional<bool> tls, tls_verify;
  std::optional<fs::path> tls_ca, tls_cert, tls_key;  // relative to the config file's folder
};

ConfigDefaults read_config(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw UsageError("--config " + path + ": cannot read the file");
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(file);
  } catch (const std::exception& error) {
    throw UsageError("--config " + path + " is not valid JSON: " + error.what());
  }
  if (!config.is_object()) throw UsageError("--config " + path + ": expected a JSON object");
  ConfigDefaults defaults;
  const auto beside_config = [&](const nlohmann::json& value) {
    const fs::path file = value.get<std::string>();
    return file.is_absolute() ? file : fs::path(path).parent_path() / file;
  };
  for (const auto& [key, value] : config.items()) {
    const bool is_text = value.is_string() && !value.get<std::string>().empty();
    if (key == "send" && is_text) defaults.send = value.get<std::string>();
    else if (key == "calling_aet" && is_text) defaults.calling_aet = value.get<std::string>();
    else if (key == "uid_root" && is_text) defaults.uid_root = value.get<std::string>();
    else if (key == "send_timeout_s" && value.is_number_integer() && value.get<int64_t>() >= 1 && value.get<int64_t>() <= 86400)
      defaults.timeout_s = value.get<int>();
    else if (key == "tls" && value.is_boolean()) defaults.tls = value.get<bool>();
    else if (key == "tls_verify" && value.is_boolean()) defaults.tls_verify = value.get<bool>();
    else if (key == "tls_ca" && is_text) defaults.tls_ca = beside_config(value);
    else if (key == "tls_cert" && is_text) defaults.tls_cert = beside_config(value);
    else if (key == "tls_key" && is_text) defaults.tls_key = beside_config(value);
    else
      throw UsageError("--config " + path + ": unexpected key or value '" + key +
                       "' (expected \"send\": \"AET@host:port\", \"calling_aet\": \"AET\", \"send_timeout_s\": 1 to 86400, "
                       "\"uid_root\": \"1.2.3\", \"tls\": true, \"tls_ca\"/\"tls_cert\"/\"tls_key\": \"FILE\", "
                       "\"tls_verify\": false)");
  }
  return defaults;
}

// DICOM TLS from the options and the config (options win); unset when neither asks for it.
std::optional<PacsTlsOptions> take_tls_options(CommandLine& line, const ConfigDefaults& defaults) {
  const bool asked = line.take_flag("--tls") || defaults.tls.value_or(false);
  const auto ca = line.take_option("--tls-ca"), certificate = line.take_option("--tls-cert"),
             key = line.take_option("--tls-key");
  const bool no_verify = line.take_flag("--tls-no-verify");
  if (!asked) {
    if (ca || certificate || key || no_verify)
      throw UsageError(std::string(ca ? "--tls-ca" : certificate ? "--tls-cert" : key ? "--tls-key" : "--tls-no-verify") +
                       " applies to DICOM TLS: add --tls");
    return std::nullopt;
  }
  PacsTlsOptions tls;
  tls.ca_file = ca ? fs::path(*ca) : defaults.tls_ca.value_or(fs::path());
  tls.certificate = certificate ? fs::path(*certificate) : defaults.tls_cert.value_or(fs::path());
  tls.private_key = key ? fs::path(*key) : defaults.tls_key.value_or(fs::path());
  tls.verify_peer = !no_verify && defaults.tls_verify.value_or(true);
  if (tls.verify_peer && tls.ca_file.empty())
    throw UsageError("--tls verifies the PACS's certificate: give the CA that signed it (--tls-ca FILE), or --tls-no-verify");
  if (tls.certificate.empty() != tls.private_key.empty())
    throw UsageError("--tls-cert and --tls-key go together (our certificate and its private key)");
  for (const auto& [file, option] : {std::pair{tls.ca_file, "--tls-ca"}, {tls.certificate, "--tls-cert"}, {tls.private_key, "--tls-key"}})
    if (!file.empty() && !fs::is_regular_file(file))
      throw UsageError(std::string(option) + ": '" + file.string() + "' does not exist");
  return tls;
}

}  // namespace

StudyOptions take_study_options(CommandLine& line) {
  auto config_path = line.take_option("--config");
  if (!config_path) {
    if (const char* env = std::getenv("DIFFRECON_CONFIG"); env && *env) config_path = std::string(env);
  }
  const auto defaults = config_path ? read_config(*config_path) : ConfigDefaults{};
  StudyOptions options;
  options.uid_root = line.take_option("--uid-root").value_or(defaults.uid_root.value_or(kDefaultDicomUidRoot));
  try {
    check_dicom_uid_root(options.uid_root);
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string("--uid-root: ") + error.what());
  }
  if (auto from = line.take_option("--patient-from")) options.patient_from = fs::path(*from);
  options.body_part = line.take_option("--body-part").value_or("");
  // A code string (CS, PS3.5 table 6.2-1): upper-case letters, digits, space and underscore, 16 at most.
  if (options.body_part.size() > 16 ||
      !std::all_of(options.body_part.begin(), options.body_part.end(),
                   [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_'; }))
    throw UsageError("--body-part '" + options.body_part +
                     "': expected a DICOM code string of at most 16 upper-case letters, digits, spaces or underscores (e.g. HEAD)");
  const auto send = line.take_option("--send");
  if (send || defaults.send) {
    try {
      options.send = PacsAddress::parse(send.value_or(*defaults.send));
    } catch (const std::invalid_argument& error) {
      throw UsageError((send ? std::string("--send: ") : "--config " + *config_path + ": ") + error.what());
    }
  }
  options.send_options.calling_ae_title = line.take_option("--calling-aet").value_or(defaults.calling_aet.value_or("DIFFRECON"));
  try {
    check_ae_title(options.send_options.calling_ae_title, "--calling-aet");
  } catch (const std::invalid_argument& error) {
    throw UsageError(error.what());
  }
  options.send_options.timeout_s = line.take_int_option("--send-timeout", 1).value_or(defaults.timeout_s.value_or(30));
  options.send_options.tls = take_tls_options(line, defaults);
  if (options.send_options.tls && !options.send)
    throw UsageError("--tls applies to sending (--send AET@host:port, or \"send\" in the config)");
  return options;
}

DicomStudy study_for_output(const StudyOptions& options, DicomStudy study) {
  if (options.patient_from) {
    try {
      study = read_dicom_series(*options.patient_from).study;
    } catch (const DicomError& error) {
      throw UsageError(std::string("--patient-from: ") + error.what());
    }
  }
  if (!options.body_part.empty()) study.body_part_examined = options.body_part;
  return study;
}

namespace {

constexpr const char* kDeliveredName = "delivered.txt";

void send_and_record(const fs::path& folder, const std::vector<fs::path>& files, const StudyOptions& options) {
  const auto report = send_to_pacs(files, *options.send, options.send_options);
  std::printf("sent %lld instances to %s (calling AE %s%s)%s\n", static_cast<long long>(report.sent),
              options.send->to_string().c_str(), options.send_options.calling_ae_title.c_str(),
              options.send_options.tls ? ", DICOM TLS" : "",
              report.warnings ? (", " + std::to_string(report.warnings) + " stored with warnings").c_str() : "");
  std::ofstream record(folder / kDeliveredName, std::ios::app);
  record << options.send->to_string() << "\n";
  std::fflush(stdout);
}

}  // namespace

void deliver(const StudyOutput& output, const StudyOptions& options) {
  std::printf("wrote %s: %zu DICOM series (%zu instances), study %s, preview.png, %s\n", output.folder.c_str(),
              output.series.size(), output.dicom_files.size(), output.study_instance_uid.c_str(), kStudyReportName);
  std::fflush(stdout);
  if (options.send) send_and_record(output.folder, output.dicom_files, options);
}

bool was_delivered(const fs::path& folder, const PacsAddress& peer) {
  std::ifstream record(folder / kDeliveredName);
  for (std::string line; std::getline(record, line);)
    if (line == peer.to_string()) return true;
  return false;
}

void deliver_study_folder(const fs::path& folder, const StudyOptions& options) {
  if (!options.send) return;
  std::vector<fs::path> series, files;
  if (fs::is_directory(folder / "dicom"))
    for (const auto& entry : fs::directory_iterator(folder / "dicom"))
      if (entry.is_directory()) series.push_back(entry.path());
  std::sort(series.begin(), series.end());
  for (const auto& s : series) {
    std::vector<fs::path> slices;
    for (const auto& entry : fs::directory_iterator(s))
      if (entry.is_regular_file() && entry.path().extension() == ".dcm") slices.push_back(entry.path());
    std::sort(slices.begin(), slices.end());
    files.insert(files.end(), slices.begin(), slices.end());
  }
  if (files.empty()) throw PacsError("study folder '" + folder.string() + "' holds no DICOM files under dicom/");
  send_and_record(folder, files, options);
}

}  // namespace diffrecon::cli
