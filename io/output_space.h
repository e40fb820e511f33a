// Room for an output, checked before it is written. ITK's image writers and DCMTK's saveFile do not
// report a short write: past a file size limit (ulimit -f, with SIGXFSZ ignored as `diffrecon` does) or
// on a full disk they leave a truncated file and return success, which would then be renamed into place
// as if complete (docs/testing.md, "Faults"). So every writer asks first whether the largest file it
// will write fits the file size limit and whether the folder's file system has the room for all of it.
#pragma once

#include <filesystem>

namespace diffrecon {

// Throws OutputError naming `target` when a file of `largest_file_bytes` would exceed the process's
// file size limit (RLIMIT_FSIZE) or `total_bytes` exceed the space free to this user in its folder.
void require_output_space(const std::filesystem::path& target, double largest_file_bytes, double total_bytes);

}  // namespace diffrecon
