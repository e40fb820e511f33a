// Test images named FILE or FILE:SLICE, as the benchmarks take them (e.g. KmeansTest_T1UCharRaw.nii.gz:31).
#pragma once

#include "io/image_file.h"

#include <string>

namespace diffrecon::bench {

// A 2-D image file as it is, or slice SLICE along axis 0 of a volume (its middle slice without SLICE);
// singleton dims dropped.
inline torch::Tensor read_image_slice(const std::string& spec) {
  const auto colon = spec.find(':');
  auto data = read_image(spec.substr(0, colon)).data;
  if (data.dim() == 3 && data.size(0) > 1)
    data = data.select(0, colon == std::string::npos ? data.size(0) / 2 : std::stoll(spec.substr(colon + 1)));
  return data.squeeze();
}

}  // namespace diffrecon::bench
