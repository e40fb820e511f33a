// The configuration file of the study options (--config FILE, or $DIFFRECON_CONFIG): a JSON object
// whose keys are option names (recon/cli/study_options.h).
#include "recon/cli/study_options.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto config = diffrecon::fuzz::scratch().write("config.json", data, size);
  diffrecon::fuzz::expect_clean_outcome([&] {
    diffrecon::cli::CommandLine line({"--config", config.string()});
    diffrecon::cli::take_study_options(line);
    line.expect_consumed("config");
  });
  return 0;
}
