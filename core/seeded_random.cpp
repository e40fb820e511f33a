#include "core/seeded_random.h"

#include "core/tensor_math.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <stdexcept>

namespace diffrecon {

SeededRandom::SeededRandom(uint64_t seed) : seed_(seed), generator_(at::detail::createCPUGenerator(seed)) {}

torch::Tensor SeededRandom::normal(const std::vector<int64_t>& shape, torch::TensorOptions options) {
  const auto dtype = options.has_dtype() ? c10::typeMetaToScalarType(options.dtype()) : torch::kFloat32;
  const auto cpu = torch::TensorOptions().dtype(real_dtype_of(dtype));
  torch::Tensor sample;
  if (c10::isComplexType(dtype)) {
    auto pair_shape = shape;
    pair_shape.push_back(2);
    sample = torch::view_as_complex(torch::randn(pair_shape, generator_, cpu) * std::sqrt(0.5));
  } else {
    sample = torch::randn(shape, generator_, cpu);
  }
  return sample.to(options.device());
}

torch::Tensor SeededRandom::normal_like(const torch::Tensor& t) {
  return normal(t.sizes().vec(), torch::TensorOptions().dtype(t.scalar_type()).device(t.device()));
}

torch::Tensor SeededRandom::uniform(const std::vector<int64_t>& shape, torch::TensorOptions options) {
  const auto dtype = options.has_dtype() ? c10::typeMetaToScalarType(options.dtype()) : torch::kFloat32;
  if (c10::isComplexType(dtype)) throw std::invalid_argument("SeededRandom::uniform: complex dtypes are not supported");
  return torch::rand(shape, generator_, torch::TensorOptions().dtype(dtype)).to(options.device());
}

}  // namespace diffrecon
