// The device tests run on: CPU, or the one named by DIFFRECON_TEST_DEVICE (e.g. "cuda") so the same
// suite checks a GPU build.
#pragma once

#include <torch/types.h>

#include <cstdlib>

namespace diffrecon::testing {

inline torch::Device test_device() {
  const char* name = std::getenv("DIFFRECON_TEST_DEVICE");
  return name && *name ? torch::Device(name) : torch::Device(torch::kCPU);
}

inline torch::TensorOptions on_device(torch::ScalarType dtype) {
  return torch::TensorOptions().dtype(dtype).device(test_device());
}

// max |a - b| / max |b| (both moved to the CPU, compared in double precision).
inline double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  auto to_double = [](const torch::Tensor& t) {
    return t.to(torch::kCPU).to(t.is_complex() ? torch::kComplexDouble : torch::kFloat64);
  };
  auto da = to_double(a), db = to_double(b);
  const double scale = db.abs().max().item<double>();
  const double difference = (da - db).abs().max().item<double>();
  return scale > 0 ? difference / scale : difference;
}

}  // namespace diffrecon::testing
