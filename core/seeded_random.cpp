#include "core/seeded_random.h"

#include "core/tensor_math.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <stdexcept>

namespace diffrecon {

namespace {

// SplitMix64 (Steele, Lea and Flood 2014): decorrelates the chain seeds of one run.
uint64_t split_mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

SeededRandom::SeededRandom(uint64_t seed) : seed_(seed), generator_(at::detail::createCPUGenerator(seed)) {}

SeededRandom::SeededRandom(uint64_t seed, std::vector<int64_t> chain_indices)
    : seed_(seed), generator_(at::detail::createCPUGenerator(seed)), chain_indices_(std::move(chain_indices)) {
  for (const auto c : chain_indices_) {
    if (c < 0) throw std::invalid_argument("SeededRandom: chain indices must not be negative");
    chain_generators_.push_back(at::detail::createCPUGenerator(split_mix(seed ^ split_mix(uint64_t(c) + 1))));
  }
}

torch::Tensor SeededRandom::draw(const std::vector<int64_t>& shape, torch::ScalarType real, bool uniform,
                                 at::Generator& generator) {
  const auto cpu = torch::TensorOptions().dtype(real);
  return uniform ? torch::rand(shape, generator, cpu) : torch::randn(shape, generator, cpu);
}

torch::Tensor SeededRandom::draw_per_chain(const std::vector<int64_t>& shape, torch::ScalarType real, bool uniform) {
  if (shape.empty() || shape[0] != int64_t(chain_generators_.size()))
    throw std::logic_error("SeededRandom: a per-chain draw must be [" + std::to_string(chain_generators_.size()) +
                           " chains, ...], got " + c10::str(c10::IntArrayRef(shape)));
  const std::vector<int64_t> row(shape.begin() + 1, shape.end());
  std::vector<torch::Tensor> rows;
  for (auto& generator : chain_generators_) rows.push_back(draw(row, real, uniform, generator));
  return torch::stack(rows);
}

torch::Tensor SeededRandom::normal(const std::vector<int64_t>& shape, torch::TensorOptions options) {
  const auto dtype = options.has_dtype() ? c10::typeMetaToScalarType(options.dtype()) : torch::kFloat32;
  const auto real = real_dtype_of(dtype);
  const bool complex = c10::isComplexType(dtype);
  auto drawn_shape = shape;
  if (complex) drawn_shape.push_back(2);
  auto sample = chain_generators_.empty() ? draw(drawn_shape, real, false, generator_) : draw_per_chain(drawn_shape, real, false);
  if (complex) sample = torch::view_as_complex(sample * std::sqrt(0.5));
  return sample.to(options.device());
}

torch::Tensor SeededRandom::normal_like(const torch::Tensor& t) {
  return normal(t.sizes().vec(), torch::TensorOptions().dtype(t.scalar_type()).device(t.device()));
}

torch::Tensor SeededRandom::uniform(const std::vector<int64_t>& shape, torch::TensorOptions options) {
  const auto dtype = options.has_dtype() ? c10::typeMetaToScalarType(options.dtype()) : torch::kFloat32;
  if (c10::isComplexType(dtype)) throw std::invalid_argument("SeededRandom::uniform: complex dtypes are not supported");
  auto sample = chain_generators_.empty() ? draw(shape, dtype, true, generator_) : draw_per_chain(shape, dtype, true);
  return sample.to(options.device());
}

}  // namespace diffrecon
