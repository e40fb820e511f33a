// Model cards (priors/model_card.h), read from a file as the prior loader does.
#include "priors/model_card.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto card = diffrecon::fuzz::scratch().write("card.json", data, size);
  diffrecon::fuzz::expect_clean_outcome([&] { diffrecon::ModelCard::read(card); });
  return 0;
}
