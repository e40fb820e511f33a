#include "io/dicom_uid.h"

#include "core/sha256.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <vector>

namespace diffrecon {

bool is_valid_dicom_uid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64 || uid.front() == '.' || uid.back() == '.') return false;
  bool component_start = true;
  for (size_t i = 0; i < uid.size(); ++i) {
    const char c = uid[i];
    if (c == '.') {
      if (component_start) return false;  // empty component
      component_start = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    if (component_start && c == '0' && i + 1 < uid.size() && uid[i + 1] != '.') return false;  // leading zero
    component_start = false;
  }
  return true;
}

void check_dicom_uid_root(const std::string& root) {
  // DCMTK appends up to ~36 characters (host id, pid, time, counter); 64 is the UID limit.
  if (!is_valid_dicom_uid(root) || root.size() > 28)
    throw std::invalid_argument("UID root '" + root +
                                "' is not usable: expected digits and dots without leading zeros, at most 28 "
                                "characters (e.g. 1.2.826.0.1.3680043.10.543)");
}

std::string derived_dicom_uid(const std::string& root, const std::string& key) {
  check_dicom_uid_root(root);
  // The digest as a big number in base 10 (repeated division of its 32 bytes by 10).
  const auto hex = sha256_hex(key);
  std::vector<unsigned> bytes;
  for (size_t i = 0; i < hex.size(); i += 2) bytes.push_back(std::stoul(hex.substr(i, 2), nullptr, 16));
  std::string digits;
  while (std::any_of(bytes.begin(), bytes.end(), [](unsigned b) { return b != 0; })) {
    unsigned remainder = 0;
    for (auto& b : bytes) {
      const unsigned value = remainder * 256 + b;
      b = value / 10;
      remainder = value % 10;
    }
    digits.push_back(static_cast<char>('0' + remainder));
  }
  std::reverse(digits.begin(), digits.end());
  // A decimal number has no leading zero; its first 64 - |root| - 1 digits are a valid component.
  digits.resize(std::min(digits.size(), 64 - root.size() - 1));
  return root + "." + (digits.empty() ? "1" : digits);
}

std::string make_dicom_uid(const std::string& root) {
  check_dicom_uid_root(root);
  char buffer[100];
  return dcmGenerateUniqueIdentifier(buffer, root.c_str());
}

}  // namespace diffrecon
