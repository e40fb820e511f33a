// Sends DICOM files to a PACS with C-STORE (DCMTK's DcmSCU). DcmSCU::sendSTORERequest returns
// success whenever a response arrived, even when the peer refused the instance, so the DIMSE status
// of every instance is checked here: anything but Success (0x0000) or a Warning (0x0001, 0xBxxx)
// is a refusal and ends the transfer with an error naming the file and the status.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon {

class PacsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "AET@host:port", e.g. "ORTHANC@127.0.0.1:4242".
struct PacsAddress {
  std::string called_ae_title, host;
  uint16_t port = 104;

  // Throws std::invalid_argument naming the text and the expected form.
  static PacsAddress parse(const std::string& text);
  std::string to_string() const;
};

// DICOM TLS (PS3.15 annex B) through DCMTK's TLS layer with the BCP 195 profile (TLS 1.2 and up).
// The PACS's certificate is verified against `ca_file` unless verify_peer is false (as DCMTK and
// the DICOM standard do, the chain is checked, not the host name).
struct PacsTlsOptions {
  std::filesystem::path ca_file;                    // trusted CA certificates (PEM); needed to verify
  std::filesystem::path certificate, private_key;   // ours (PEM), for a PACS that asks for one; optional
  bool verify_peer = true;
};

struct PacsSendOptions {
  std::string calling_ae_title = "DIFFRECON";
  int timeout_s = 30;  // connection, association and each response
  std::optional<PacsTlsOptions> tls;  // plain DICOM when unset (the default)
};

struct PacsSendReport {
  int64_t sent = 0;
  int64_t warnings = 0;  // stored with a warning status (e.g. coerced attributes)
};

// A C-STORE response status (PS3.7 annex C): 0x0000 success, 0x0001 and 0xBxxx warnings (stored),
// everything else a failure (0xA7xx out of resources, 0xA9xx data set does not match, 0xCxxx cannot
// understand, 0x01xx refusals and processing failures).
enum class StoreStatus { Success, Warning, Failure };
StoreStatus classify_store_status(uint16_t status);
// "0xA700 (refused: out of resources)"
std::string describe_store_status(uint16_t status);

// Checks an AE title: 1-16 characters, no backslash or control characters, not all spaces.
void check_ae_title(const std::string& title, const std::string& what);

// One association for all files, with a presentation context for each SOP class they hold
// (Explicit and Implicit VR Little Endian). Throws PacsError on a refused or failed association,
// a timeout, or any instance not stored.
PacsSendReport send_to_pacs(const std::vector<std::filesystem::path>& files, const PacsAddress& peer,
                            const PacsSendOptions& options = {});

}  // namespace diffrecon
