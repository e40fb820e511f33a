// The ISMRMRD XML header as read_ismrmrd interprets it (the encoding, metadata, channel count and
// size checks), without HDF5 around it: fast, so it runs many millions of inputs.
#include "io/ismrmrd_reader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string xml(reinterpret_cast<const char*>(data), size);
  diffrecon::fuzz::expect_clean_outcome([&] {
    diffrecon::IsmrmrdScan scan;
    diffrecon::parse_ismrmrd_header(xml, "'<fuzz>'", scan);
  });
  return 0;
}
