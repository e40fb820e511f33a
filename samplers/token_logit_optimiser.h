// G2D2's per-step variational problem (Murata et al., TMLR 2025; ../shared/reference/samplers.md
// section 6.2, step 3): over factorised categorical logits ℓ [..., K, L] (normalised log-probabilities),
//   minimise  E_g[ data(softmax((ℓ + g) / temperature)) ] + kl_weight * KL(softmax ℓ || prior)
// with g fresh Gumbel(0, 1) noise at every iteration (the Gumbel-softmax relaxation of a token draw),
// `iterations` RAdam steps of size `lr`, ℓ renormalised after each. `data` maps relaxed one-hot
// tokens [..., K, L] to a scalar (through the decoder and the measurement model) and must be
// differentiable; the prior's log-probabilities are a constant.
#pragma once

#include "core/seeded_random.h"

#include <torch/types.h>

#include <functional>

namespace diffrecon {

struct TokenLogitOptions {
  int iterations = 30;
  double lr = 1.0;
  double kl_weight = 3e-4;
  double temperature = 1.0;
};

using TokenDataTerm = std::function<torch::Tensor(const torch::Tensor& soft_tokens)>;

// Returns the optimised logits (normalised over the class dimension -2).
torch::Tensor optimise_token_logits(const torch::Tensor& start_logits, const torch::Tensor& prior_log_probabilities,
                                    const TokenDataTerm& data, const TokenLogitOptions& options, SeededRandom& random);

}  // namespace diffrecon
