// Explicitly seeded random numbers. Every stochastic routine in DiffRecon takes one of these (or a
// seed to build one) instead of touching a global generator. Numbers are always drawn on the CPU
// and then moved to the requested device, so a seed gives the same bits on CPU and GPU.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace diffrecon {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed);
  // One generator per chain (seeded from (seed, chain index) alone): every draw is then [chains, ...]
  // and row r comes from chain chain_indices[r]'s generator, so a chain's numbers do not depend on
  // which other chains are drawn with it - in one batch, another batch or another process.
  SeededRandom(uint64_t seed, std::vector<int64_t> chain_indices);

  uint64_t seed() const { return seed_; }
  const std::vector<int64_t>& chain_indices() const { return chain_indices_; }

  // Standard normal samples. For complex dtypes real and imaginary parts each have variance 1/2,
  // so E|z|^2 = 1 (circularly-symmetric), matching the noise convention in docs/ARCHITECTURE.md.
  torch::Tensor normal(const std::vector<int64_t>& shape, torch::TensorOptions options = {});
  torch::Tensor normal_like(const torch::Tensor& t);
  // Uniform samples in [0, 1) (real dtypes only).
  torch::Tensor uniform(const std::vector<int64_t>& shape, torch::TensorOptions options = {});

 private:
  // Draws `shape` (real dtype) from one generator.
  torch::Tensor draw(const std::vector<int64_t>& shape, torch::ScalarType real, bool uniform, at::Generator& generator);
  torch::Tensor draw_per_chain(const std::vector<int64_t>& shape, torch::ScalarType real, bool uniform);

  uint64_t seed_;
  at::Generator generator_;
  std::vector<int64_t> chain_indices_;
  std::vector<at::Generator> chain_generators_;
};

}  // namespace diffrecon
