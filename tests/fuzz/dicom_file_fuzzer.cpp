// One DICOM file given as the series (io/dicom_series_reader.h), as --patient-from and
// `ct project --image` take it.
#include "io/dicom_series_reader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = diffrecon::fuzz::scratch().write("slice.dcm", data, size);
  diffrecon::fuzz::expect_clean_outcome<diffrecon::DicomError>([&] { diffrecon::read_dicom_series(file); });
  return 0;
}
