// Image files through io/ (ITK's NIfTI, MetaImage and PNG readers behind read_image): the first byte
// picks the name (.nii, .nii.gz, .mha or .png), the rest is the file; ITK chooses the reader by content.
#include "io/image_file.h"
#include "tests/fuzz/fuzz_input.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const names[] = {"image.nii", "image.nii.gz", "image.mha", "image.png"};
  const auto& folder = diffrecon::fuzz::scratch();
  folder.clear();
  // DIFFRECON_FUZZ_IMAGE_NAME=image.mha (say) fuzzes one reader alone, to tell which one a finding is in.
  static const char* const only = std::getenv("DIFFRECON_FUZZ_IMAGE_NAME");
  const auto image = folder.write(only ? only : names[data[0] % 4], data + 1, size - 1);
  // A header may declare any size: the budget (1 GiB, under libFuzzer's memory limit) refuses large ones.
  diffrecon::fuzz::expect_clean_outcome([&] { diffrecon::read_image(image, diffrecon::MemoryBudget(int64_t{1} << 30)); });
  return 0;
}
