#include "io/pacs_sender.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include <cstdio>
#include <memory>
#include <set>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

std::string status_meaning(Uint16 status) {
  if ((status & 0xFF00) == 0xA700) return "refused: out of resources";
  if ((status & 0xFF00) == 0xA900) return "error: data set does not match SOP class";
  if ((status & 0xF000) == 0xC000) return "error: cannot understand";
  if (status == 0x0122) return "refused: SOP class not supported";
  if (status == 0x0124) return "refused: not authorized";
  if (status == 0x0110) return "processing failure";
  if (status == 0x0000) return "success";
  if (classify_store_status(status) == StoreStatus::Warning) return "warning";
  return "failure";
}

struct FileToSend {
  fs::path file;
  std::string sop_class, sop_instance;
};

FileToSend inspect(const fs::path& file) {
  DcmFileFormat format;
  const auto loaded = format.loadFile(file.c_str());
  if (loaded.bad()) throw PacsError("cannot read '" + file.string() + "' as DICOM: " + loaded.text());
  OFString sop_class, sop_instance;
  format.getDataset()->findAndGetOFString(DCM_SOPClassUID, sop_class);
  format.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, sop_instance);
  if (sop_class.empty() || sop_instance.empty())
    throw PacsError("'" + file.string() + "' has no SOP Class/Instance UID; expected a DICOM instance");
  return {file, sop_class.c_str(), sop_instance.c_str()};
}

// DcmSCU keeps useSecureConnection protected for subclasses (DcmTLSSCU, which sets TLS up its own
// way); ours sets up the layer below and only needs the call.
class ScuWithTls : public DcmSCU {
 public:
  using DcmSCU::useSecureConnection;
};

// The TLS layer of one association, set up from `tls` (files checked first, each error naming it).
std::unique_ptr<DcmTLSTransportLayer> tls_layer(const PacsTlsOptions& tls, const std::string& where) {
  auto layer = std::make_unique<DcmTLSTransportLayer>(NET_REQUESTOR, nullptr, OFTrue);
  const auto require = [&](OFCondition condition, const std::string& what) {
    if (condition.bad()) throw PacsError(where + ": TLS: " + what + ": " + condition.text());
  };
  const auto readable = [&](const fs::path& file, const std::string& what) {
    if (!fs::is_regular_file(file)) throw PacsError(where + ": TLS " + what + " '" + file.string() + "' does not exist");
  };
  require(layer->setTLSProfile(TSP_Profile_BCP195), "the BCP 195 profile");
  require(layer->activateCipherSuites(), "cipher suites");
  if (tls.verify_peer && tls.ca_file.empty())
    throw PacsError(where + ": TLS needs the CA certificate that signed the PACS's certificate (--tls-ca FILE), "
                    "or --tls-no-verify");
  if (!tls.ca_file.empty()) {
    readable(tls.ca_file, "CA certificate");
    require(layer->addTrustedCertificateFile(tls.ca_file.c_str(), DCF_Filetype_PEM),
            "CA certificate '" + tls.ca_file.string() + "' (expected PEM)");
  }
  if (tls.certificate.empty() != tls.private_key.empty())
    throw PacsError(where + ": TLS needs both our certificate and its private key (--tls-cert and --tls-key), or neither");
  if (!tls.certificate.empty()) {
    readable(tls.private_key, "private key");
    readable(tls.certificate, "certificate");
    require(layer->setPrivateKeyFile(tls.private_key.c_str(), DCF_Filetype_PEM),
            "private key '" + tls.private_key.string() + "' (expected PEM, not encrypted)");
    require(layer->setCertificateFile(tls.certificate.c_str(), DCF_Filetype_PEM),
            "certificate '" + tls.certificate.string() + "' (expected PEM)");
    if (!layer->checkPrivateKeyMatchesCertificate())
      throw PacsError(where + ": TLS private key '" + tls.private_key.string() + "' does not match certificate '" +
                      tls.certificate.string() + "'");
  }
  layer->setCertificateVerification(tls.verify_peer ? DCV_requireCertificate : DCV_ignoreCertificate);
  return layer;
}

}  // namespace

StoreStatus classify_store_status(uint16_t status) {
  if (status == 0x0000) return StoreStatus::Success;
  if (status == 0x0001 || (status & 0xF000) == 0xB000) return StoreStatus::Warning;
  return StoreStatus::Failure;
}

std::string describe_store_status(uint16_t status) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%04X", static_cast<unsigned>(status));
  return std::string(text) + " (" + status_meaning(status) + ")";
}

void check_ae_title(const std::string& title, const std::string& what) {
  bool all_spaces = true;
  for (char c : title) {
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20)
      throw std::invalid_argument(what + " '" + title + "' holds a backslash or control character");
    if (c != ' ') all_spaces = false;
  }
  if (title.empty() || title.size() > 16 || all_spaces)
    throw std::invalid_argument(what + " '" + title + "' must be 1 to 16 characters");
}

PacsAddress PacsAddress::parse(const std::string& text) {
  const auto at = text.find('@');
  const auto colon = text.rfind(':');
  const std::string expected = "expected AET@host:port, e.g. ORTHANC@127.0.0.1:4242";
  if (at == std::string::npos || colon == std::string::npos || colon < at || at == 0 || colon == at + 1 ||
      colon + 1 == text.size())
    throw std::invalid_argument("PACS address '" + text + "': " + expected);
  PacsAddress address;
  address.called_ae_title = text.substr(0, at);
  address.host = text.substr(at + 1, colon - at - 1);
  const auto port_text = text.substr(colon + 1);
  size_t used = 0;
  long port = 0;
  try {
    port = std::stol(port_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != port_text.size() || port < 1 || port > 65535)
    throw std::invalid_argument("PACS address '" + text + "': port '" + port_text + "' is not 1-65535; " + expected);
  address.port = static_cast<uint16_t>(port);
  check_ae_title(address.called_ae_title, "PACS address '" + text + "': called AE title");
  return address;
}

std::string PacsAddress::to_string() const { return called_ae_title + "@" + host + ":" + std::to_string(port); }

PacsSendReport send_to_pacs(const std::vector<fs::path>& files, const PacsAddress& peer, const PacsSendOptions& options) {
  check_ae_title(options.calling_ae_title, "calling AE title");
  std::vector<FileToSend> instances;
  std::set<std::string> sop_classes;
  for (const auto& file : files) {
    instances.push_back(inspect(file));
    sop_classes.insert(instances.back().sop_class);
  }
  PacsSendReport report;
  if (instances.empty()) return report;
  const std::string where = "PACS " + peer.to_string();

  ScuWithTls scu;
  scu.setAETitle(options.calling_ae_title.c_str());
  scu.setPeerAETitle(peer.called_ae_title.c_str());
  scu.setPeerHostName(peer.host.c_str());
  scu.setPeerPort(peer.port);
  scu.setConnectionTimeout(options.timeout_s);
  scu.setACSETimeout(static_cast<Uint32>(options.timeout_s));
  scu.setDIMSETimeout(static_cast<Uint32>(options.timeout_s));
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  OFList<OFString> syntaxes;
  syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
  syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);
  for (const auto& sop_class : sop_classes) scu.addPresentationContext(sop_class.c_str(), syntaxes);

  const auto tls = options.tls ? tls_layer(*options.tls, where) : nullptr;  // outlives the association
  auto condition = scu.initNetwork();
  if (condition.bad()) throw PacsError(where + ": cannot set up the network: " + condition.text());
  if (tls) {
    condition = scu.useSecureConnection(tls.get());
    if (condition.bad()) throw PacsError(where + ": TLS: " + condition.text());
  }
  condition = scu.negotiateAssociation();
  if (condition.bad() && tls)
    throw PacsError(where + ": TLS association failed (" + condition.text() +
                    "); check that the PACS speaks DICOM TLS on this port, that its certificate is signed by the CA "
                    "given and valid today, and the host, port and AE titles");
  if (condition.bad())
    throw PacsError(where + ": association failed (" + condition.text() +
                    "); check the host, port and called AE title, and that the PACS accepts calling AE title '" +
                    options.calling_ae_title + "'");
  for (const auto& instance : instances) {
    const auto context = scu.findPresentationContextID(instance.sop_class.c_str(), "");
    if (context == 0) {
      scu.abortAssociation();
      throw PacsError(where + " did not accept SOP class " + instance.sop_class + " for '" + instance.file.string() + "'");
    }
    Uint16 status = 0xFFFF;
    condition = scu.sendSTORERequest(context, instance.file.c_str(), nullptr, status);
    if (condition.bad()) {
      scu.abortAssociation();
      throw PacsError(where + ": C-STORE of '" + instance.file.string() + "' failed: " + condition.text());
    }
    const auto outcome = classify_store_status(status);
    if (outcome == StoreStatus::Failure) {
      scu.abortAssociation();
      throw PacsError(where + " refused '" + instance.file.string() + "' (SOP Instance " + instance.sop_instance +
                      "): DIMSE status " + describe_store_status(status) + "; " +
                      std::to_string(report.sent) + " of " + std::to_string(instances.size()) + " instances were stored");
    }
    if (outcome == StoreStatus::Warning) ++report.warnings;
    ++report.sent;
  }
  scu.releaseAssociation();
  return report;
}

}  // namespace diffrecon
