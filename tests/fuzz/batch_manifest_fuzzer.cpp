// Batch manifests (recon/pipeline/batch_manifest.h): the first byte picks CSV (even) or JSON (odd),
// the rest is the file.
#include "recon/pipeline/batch_manifest.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto manifest =
      diffrecon::fuzz::scratch().write(data[0] % 2 == 0 ? "manifest.csv" : "manifest.json", data + 1, size - 1);
  diffrecon::fuzz::expect_clean_outcome<diffrecon::BatchManifestError>(
      [&] { diffrecon::read_batch_manifest(manifest); });
  return 0;
}
