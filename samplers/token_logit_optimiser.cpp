#include "samplers/token_logit_optimiser.h"

#include "samplers/radam.h"

#include <torch/csrc/autograd/autograd.h>

namespace diffrecon {

torch::Tensor optimise_token_logits(const torch::Tensor& start_logits, const torch::Tensor& prior_log_probabilities,
                                    const TokenDataTerm& data, const TokenLogitOptions& options, SeededRandom& random) {
  RAdam radam;
  auto logits = start_logits.detach() - torch::logsumexp(start_logits.detach(), -2, true);
  const auto prior = prior_log_probabilities.detach();
  const auto shape = logits.sizes().vec();
  const auto options_like = torch::TensorOptions().dtype(logits.scalar_type()).device(logits.device());
  for (int k = 0; k < options.iterations; ++k) {
    auto variable = logits.clone().requires_grad_(true);
    const auto uniform = random.uniform(shape, options_like).clamp(1e-20, 1.0 - 1e-16);
    const auto gumbel = -torch::log(-torch::log(uniform));
    const auto soft = torch::softmax((variable + gumbel) / options.temperature, -2);
    const auto log_q = torch::log_softmax(variable, -2);
    const auto kl = (log_q.exp() * (log_q - prior)).sum();
    const auto loss = data(soft) + options.kl_weight * kl;
    const auto gradient = torch::autograd::grad({loss}, {variable})[0];
    logits = radam.step(logits, gradient, options.lr);
    logits = logits - torch::logsumexp(logits, -2, true);
  }
  return logits;
}

}  // namespace diffrecon
