// CT geometry files (ct/geometry_json.h): any text, refused with GeometryFileError or taken.
#include "ct/geometry_json.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  diffrecon::fuzz::expect_clean_outcome<diffrecon::ct::GeometryFileError>(
      [&] { diffrecon::ct::parse_geometry_json(text, "<fuzz>"); });
  return 0;
}
