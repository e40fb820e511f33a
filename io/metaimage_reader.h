// MetaImage (.mha, or .mhd with its data file beside it) read by DiffRecon itself rather than by ITK:
// fuzzing found heap corruption inside ITK 5.2's MetaIO on malformed headers and short data
// (tests/fuzz/image_file_fuzzer; docs/testing.md, "Fuzzing"), which no check in front of it could
// rule out. The format is small (a "Key = Value" text header, then raw or zlib-compressed pixels,
// x fastest); ITK still writes it (io/image_file.h). Scalar pixels of any MET_ type become float32,
// two channels complex64; the geometry is ITK's for the same file.
#pragma once

#include "core/memory_budget.h"
#include "io/image_file.h"

#include <filesystem>

namespace diffrecon {

// Whether `path` names a MetaImage file (.mha or .mhd, any case).
bool is_metaimage(const std::filesystem::path& path);

// Reads a 2-D or 3-D MetaImage. Throws ImageFileError naming the file and what was expected for
// anything but a plain header (known keys, values of the right count, NDims 2 or 3, 1 or 2
// channels, a known element type, the data in the file or in one file beside it) or data shorter
// than the header declares; InputError when the pixels would not fit `budget`.
Image read_metaimage(const std::filesystem::path& path, const MemoryBudget& budget);

}  // namespace diffrecon
