// Whole ISMRMRD files through read_ismrmrd, HDF5 included: each input is turned into a small, valid
// HDF5 file (so the fuzzing reaches our reader rather than HDF5's own file-format parser, which
// OSS-Fuzz covers) whose header and acquisitions the input chooses: matrix sizes, channel counts,
// centre samples and discards, encode steps, slices, repetitions, flags and samples. Heavy (one HDF5
// file per input): scripts/fuzz runs it for a stated number of inputs.
#include "io/ismrmrd_reader.h"
#include "tests/fuzz/fuzz_input.h"

#include <fuzzer/FuzzedDataProvider.h>
#include <ismrmrd/dataset.h>
#include <ismrmrd/xml.h>

#include <sstream>

namespace {

void silent(const char*, int, const char*, int, const char*) {}

std::string header_of(FuzzedDataProvider& input) {
  if (input.ConsumeBool()) return input.ConsumeRandomLengthString(4096);  // any text
  ISMRMRD::IsmrmrdHeader header;
  header.experimentalConditions.H1resonanceFrequency_Hz = 63500000;
  if (input.ConsumeBool()) {
    ISMRMRD::AcquisitionSystemInformation system;
    system.receiverChannels = input.ConsumeIntegral<uint16_t>();
    header.acquisitionSystemInformation = system;
  }
  const int encodings = input.ConsumeIntegralInRange(0, 2);
  for (int k = 0; k < encodings; ++k) {
    ISMRMRD::Encoding e;
    e.trajectory = input.ConsumeIntegralInRange(0, 5) == 0 ? ISMRMRD::TrajectoryType::RADIAL : ISMRMRD::TrajectoryType::CARTESIAN;
    const auto x = input.ConsumeIntegral<uint16_t>() % 40, y = input.ConsumeIntegral<uint16_t>() % 40;
    e.encodedSpace.matrixSize = ISMRMRD::MatrixSize(x, y, input.ConsumeIntegralInRange<uint16_t>(0, 2));
    e.encodedSpace.fieldOfView_mm = {256, 256, 5};
    e.reconSpace = e.encodedSpace;
    if (input.ConsumeBool()) e.reconSpace.matrixSize.x = input.ConsumeIntegral<uint16_t>() % 40;
    e.encodingLimits.kspace_encoding_step_1 =
        ISMRMRD::Limit(0, input.ConsumeIntegral<uint16_t>() % 40, input.ConsumeIntegral<uint16_t>() % 40);
    e.encodingLimits.slice = ISMRMRD::Limit(0, input.ConsumeIntegralInRange<uint16_t>(0, 3), 0);
    header.encoding.push_back(e);
  }
  std::ostringstream xml;
  ISMRMRD::serialize(header, xml);
  return xml.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const auto& folder = diffrecon::fuzz::scratch();
  folder.clear();
  const auto path = folder.path() / "scan.h5";
  ISMRMRD::ismrmrd_set_error_handler(silent);
  try {  // an input ISMRMRD itself will not write (e.g. a header it cannot serialise) is skipped
    ISMRMRD::Dataset dataset(path.c_str(), "dataset", true);
    dataset.writeHeader(header_of(input));
    const int acquisitions = input.ConsumeIntegralInRange(0, 12);
    for (int n = 0; n < acquisitions && input.remaining_bytes() > 0; ++n) {
      const auto samples = input.ConsumeIntegralInRange<uint16_t>(0, 48);
      const auto channels = input.ConsumeIntegralInRange<uint16_t>(0, 4);
      ISMRMRD::Acquisition acq(samples, channels);
      acq.center_sample() = input.ConsumeIntegral<uint16_t>() % 64;
      acq.discard_pre() = input.ConsumeIntegral<uint16_t>() % 64;
      acq.discard_post() = input.ConsumeIntegral<uint16_t>() % 64;
      acq.idx().kspace_encode_step_1 = input.ConsumeIntegral<uint16_t>() % 64;
      acq.idx().kspace_encode_step_2 = input.ConsumeIntegralInRange<uint16_t>(0, 1);
      acq.idx().slice = input.ConsumeIntegralInRange<uint16_t>(0, 3);
      acq.idx().repetition = input.ConsumeIntegralInRange<uint16_t>(0, 2);
      const auto flags = input.ConsumeIntegral<uint32_t>();  // ISMRMRD's flags are numbered 1 to 32
      for (int bit = 1; bit <= 32; ++bit)
        if (flags & (1u << (bit - 1))) acq.setFlag(static_cast<ISMRMRD::ISMRMRD_AcquisitionFlags>(bit));
      for (uint16_t c = 0; c < channels; ++c)
        for (uint16_t s = 0; s < samples; ++s)
          acq.data(s, c) = {float(input.ConsumeIntegral<int8_t>()), float(input.ConsumeIntegral<int8_t>())};
      dataset.appendAcquisition(acq);
    }
  } catch (const std::exception&) {
    return 0;
  }
  diffrecon::IsmrmrdReadOptions options;
  options.repetition = input.ConsumeIntegralInRange<int64_t>(-1, 2);
  if (input.ConsumeBool()) options.slice = input.ConsumeIntegralInRange<int64_t>(0, 3);
  diffrecon::fuzz::expect_clean_outcome([&] { diffrecon::read_ismrmrd(path, options); });
  return 0;
}
