// BART .hdr/.cfl pairs: the input is the header text, a NUL byte, then the .cfl bytes (a missing NUL:
// all header, empty data). Seeds: scripts/fuzz packs arrays written by `bart`.
#include "io/cfl.h"
#include "tests/fuzz/fuzz_input.h"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& folder = diffrecon::fuzz::scratch();
  const auto* split = std::find(data, data + size, uint8_t{0});
  folder.write("array.hdr", data, split - data);
  const size_t header_bytes = std::min<size_t>(size, split - data + 1);
  folder.write("array.cfl", data + header_bytes, size - header_bytes);
  diffrecon::fuzz::expect_clean_outcome([&] { diffrecon::read_cfl(folder.path() / "array"); });
  return 0;
}
