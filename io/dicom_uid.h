// Fresh DICOM UIDs under an organisation's root (PS3.5 section 9: digits and dots, at most 64
// characters). The default root is DCMTK's (OFFIS, 1.2.276.0.7230010.3): a site that owns a root
// passes it with --uid-root so its UIDs say where they came from.
#pragma once

#include <stdexcept>
#include <string>

namespace diffrecon {

constexpr const char* kDefaultDicomUidRoot = "1.2.276.0.7230010.3";

// Throws std::invalid_argument naming the root when it is not a usable UID prefix (empty, not
// digits and dots, a component with a leading zero, or too long to leave room for a suffix).
void check_dicom_uid_root(const std::string& root);

// A new UID "root.<host>.<process>.<time>.<counter>" (DCMTK's dcmGenerateUniqueIdentifier).
std::string make_dicom_uid(const std::string& root);

// The UID `key` names under `root`: root + "." + decimal digits of SHA-256(key), as many as fit in 64
// characters (at least 36, about 119 bits, with a root of at most 28 characters). The same key gives
// the same UID on any machine, so shards of one job that write parts of one study agree on its
// UIDs; different keys collide with negligible probability (the idea of PS3.5 B.2's UUID-derived
// UIDs, under the site's own root).
std::string derived_dicom_uid(const std::string& root, const std::string& key);

// Whether `uid` is a syntactically valid UID (used to decide if an input's study UID can be reused).
bool is_valid_dicom_uid(const std::string& uid);

}  // namespace diffrecon
