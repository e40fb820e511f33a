// Options of the commands that write a study folder (`--out DIR/`: DICOM series, preview, report;
// recon/pipeline/study_output.h) and deliver it to a PACS:
//   --uid-root ROOT        organisation UID root for new UIDs (default DCMTK's)
//   --patient-from DIR     carry patient and study (and its Study Instance UID) from a DICOM series
//   --body-part NAME       Body Part Examined (default HEAD)
//   --send AET@host:port   C-STORE the written series; --calling-aet AET (default DIFFRECON),
//                          --send-timeout S (default 30)
//   --config FILE          defaults for the above (or $DIFFRECON_CONFIG): a JSON object with keys
//                          "send", "calling_aet", "send_timeout_s", "uid_root"; options win
#pragma once

#include "io/dicom_study.h"
#include "io/pacs_sender.h"
#include "recon/cli/command_line.h"
#include "recon/pipeline/study_output.h"

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace diffrecon::cli {

struct StudyOptions {
  std::string uid_root = kDefaultDicomUidRoot;
  std::optional<std::filesystem::path> patient_from;
  std::string body_part;
  std::optional<PacsAddress> send;
  PacsSendOptions send_options;
};

// An output that names a folder: ends with '/', is an existing folder, or has no extension.
bool is_study_folder(const std::string& out);

// Takes the options above (UsageError for bad values, naming the option or the config file).
StudyOptions take_study_options(CommandLine& line);

// `fallback` (e.g. from the ISMRMRD header), replaced by the --patient-from series' patient and
// study when given; the body part applied.
DicomStudy study_for_output(const StudyOptions& options, DicomStudy fallback);

// Sends every instance when --send (or the config) asks for it; prints what went where, and records
// the destination in the folder's delivered.txt (one "AET@host:port" per line), so a resumed batch
// knows which complete studies still have to be sent. Throws PacsError on refusal or timeout (the
// folder stays: it is complete).
void deliver(const StudyOutput& output, const StudyOptions& options);

// For a complete study folder written earlier: whether it went to `peer` already, and sending it
// (every DICOM file under dicom/, series by series) with the record above.
bool was_delivered(const std::filesystem::path& folder, const PacsAddress& peer);
void deliver_study_folder(const std::filesystem::path& folder, const StudyOptions& options);

// --uid-root, --patient-from, --body-part, --send, --calling-aet, --send-timeout, --config.
const OptionGroup& study_option_group();

}  // namespace diffrecon::cli
