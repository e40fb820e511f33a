// A DICOM series folder (io/dicom_series_reader.h): the input is up to 8 files joined by the line
// "DIFFRECON-NEXT-FILE" (scripts/fuzz joins the slices of series the tests write), so slices can go
// missing, repeat, or come from another series.
#include "io/dicom_series_reader.h"
#include "tests/fuzz/fuzz_input.h"

#include <algorithm>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char kSeparator[] = "DIFFRECON-NEXT-FILE";
  const size_t separator_size = std::strlen(kSeparator);
  const auto& folder = diffrecon::fuzz::scratch();
  folder.clear();
  const auto series = folder.path() / "series";
  std::filesystem::create_directory(series);
  const uint8_t* begin = data;
  const uint8_t* const end = data + size;
  for (int index = 0; index < 8 && begin <= end; ++index) {
    const auto* next = std::search(begin, end, kSeparator, kSeparator + separator_size);
    folder.write("series/" + std::to_string(index) + ".dcm", begin, next - begin);
    if (next == end) break;
    begin = next + separator_size;
  }
  diffrecon::fuzz::expect_clean_outcome<diffrecon::DicomError>([&] { diffrecon::read_dicom_series(series); });
  return 0;
}
