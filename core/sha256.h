// SHA-256 (FIPS 180-4) of files and byte strings: model cards record the checksum of their weights and
// loading checks it. Self-contained so the numeric core needs nothing beyond LibTorch.
#pragma once

#include <filesystem>
#include <string>

namespace diffrecon {

// Lower-case hex digest.
std::string sha256_hex(const std::string& bytes);
std::string sha256_file_hex(const std::filesystem::path& path);  // throws std::runtime_error if unreadable

}  // namespace diffrecon
