// BART's .cfl/.hdr array format (src/misc/io.c, python/cfl.py of BART 0.8): `name.hdr` is text made
// of "# Keyword" lines each followed by value lines ("# Dimensions" is the only required one);
// `name.cfl` holds little-endian complex float32 (re, im interleaved) in column-major order, dim 0
// fastest, for up to 16 dims (READ, PHS1, PHS2, COIL, MAPS, TE, ... BATCH, src/misc/mri.h).
//
// Arrays are returned as tensors whose shape is the 16 BART dims, in BART's order, with
// column-major strides, viewing the memory-mapped .cfl file (mapped privately: writing into the
// tensor never changes the file). `.contiguous()` copies it into ordinary memory.
#pragma once

#include "core/error.h"

#include "io/atomic_output.h"

#include <torch/types.h>

#include <array>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon {

// BART's DIMS.
constexpr int kCflDimensions = 16;

// A .cfl/.hdr pair that cannot be read or written (missing, truncated, header does not fit the
// data); the message names the file and what was expected.
class CflError : public InputError {
 public:
  using InputError::InputError;
};

// One "# Keyword" block of a header and the lines after it, kept verbatim.
struct CflHeaderSection {
  std::string keyword;  // e.g. "Command", "Creator"
  std::vector<std::string> lines;
};

struct CflHeader {
  std::array<int64_t, kCflDimensions> dims{};
  // Every section except "# Dimensions", in file order (comments are preserved on rewrite).
  std::vector<CflHeaderSection> sections;

  int64_t element_count() const;
};

struct CflArray {
  CflHeader header;
  torch::Tensor data;  // complex64, shape = header.dims (16 dims), column-major strides
};

// The two files of an array called `name`; `name` may end in .cfl or .hdr or in neither (as BART's
// tools are called).
struct CflPaths {
  std::filesystem::path header;
  std::filesystem::path data;
};
CflPaths cfl_paths(const std::filesystem::path& name);

// Parses `text` as BART's reader does: dims pre-filled with 1, fewer than 16 numbers accepted, more
// only if the extra ones are 1, unknown sections kept. `source` names the file in errors.
CflHeader parse_cfl_header(const std::string& text, const std::string& source);
std::string format_cfl_header(const CflHeader& header);

CflHeader read_cfl_header(const std::filesystem::path& name);

// Memory-maps the data file; throws CflError if it is shorter or longer than the header's dims say.
CflArray read_cfl(const std::filesystem::path& name);

// Writes `data` (at most 16 dims, BART order; missing trailing dims are 1) as complex float32,
// column-major, with a header holding the dims and `sections` (e.g. those of an input array, plus a
// "Creator"). Both files appear together or not at all; existing files are refused unless
// `overwrite` is Allow.
void write_cfl(const std::filesystem::path& name, const torch::Tensor& data,
               const std::vector<CflHeaderSection>& sections = {}, Overwrite overwrite = Overwrite::Refuse);

}  // namespace diffrecon
