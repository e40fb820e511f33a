// The Sampler interface. A sampler owns its prior (given to its constructor: a Denoiser for DPS, MCG,
// DAPS and RED-diff, a token prior for a discrete method) and draws chains x0 ~ p(x0 | y) (or, for
// RED-diff, point estimates) for a PosteriorProblem, in the prior's coordinates [B, Ch, H, W]. The
// prior is not part of the call, as in InverseBench's Algo(net, forward_op) and DeepInverse's
// Reconstructor, so samplers with other kinds of prior fit the same interface
// (docs/ARCHITECTURE.md, "Samplers"). run_sampler() around it turns N chains into a posterior mean and
// a pixel-wise standard deviation in the problem's own units, reads the network evaluations from the
// sampler's EvaluationCounter, times the run and reports peak memory.
//
// Every loop checks its state after each step and stops with a SamplerError naming the sampler, the
// step and the noise level on the first NaN or Inf, never returning a silent zero image (pitfall 5
// of docs/samplers.md). No autograd graph outlives a step.
#pragma once

#include "core/error.h"
#include "core/seeded_random.h"
#include "samplers/evaluation_counter.h"
#include "samplers/posterior_problem.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace diffrecon {

// A loop that cannot go on (NaN or Inf in its state): neither the caller's input nor a library bug.
class SamplerError : public Error {
 public:
  using Error::Error;
};

// One step of one loop, reported through the progress callback.
struct SamplerStep {
  int64_t step = 0;             // 1-based
  int64_t steps = 0;
  double sigma = 0;             // the EDM noise level the step started from
  double residual_norm = 0;     // ||A x0_hat - y||, mean over the chains, in the prior's units
  int64_t nfe = 0;              // network evaluations so far in this batch of chains
  // A discrete method's level instead of sigma (G2D2: the VQ-Diffusion time and the share of masked
  // tokens it started from); -1 for the continuous methods.
  int64_t timestep = -1;
  double masked = 0;
};
using StepCallback = std::function<void(const SamplerStep&)>;

class Sampler {
 public:
  virtual ~Sampler() = default;
  // The registry's name: "dps", "mcg", "daps", "reddiff"
  virtual std::string name() const = 0;
  // Every parameter that changes the result, as (name, value) pairs for reports.
  virtual std::vector<std::pair<std::string, std::string>> parameters() const = 0;
  // Network evaluations one chain costs.
  virtual int64_t evaluations_per_chain() const = 0;
  // Whether each evaluation also backpropagates through the network (DPS, MCG).
  virtual bool differentiates_network() const = 0;

  // Channels of the prior's images (1 real, 2 complex as real and imaginary): run_sampler refuses a
  // problem laid out otherwise.
  virtual int64_t image_channels() const = 0;
  // Every network evaluation of this sampler's prior, over all its runs; run_sampler reads the
  // difference a run makes (so one sampler should serve one run at a time for exact figures).
  virtual const EvaluationCounter& evaluation_counter() const = 0;
  // A second network a method runs besides its prior's denoiser (G2D2: the VQ decoder, forward and
  // backward at every iteration), counted the same way; null when there is none.
  virtual const EvaluationCounter* decoder_counter() const { return nullptr; }

  // `count` chains [count, Ch, H, W] in prior coordinates, drawing all randomness from `random`.
  virtual torch::Tensor sample(const PosteriorProblem& problem, int64_t count, SeededRandom& random,
                               const StepCallback& on_step) const = 0;
};

// Throws SamplerError("<sampler>: non-finite values at step k of n (sigma s) ...") unless every value
// of `x` is finite.
void require_finite(const torch::Tensor& x, const std::string& sampler, int64_t step, int64_t steps, double sigma,
                    const char* what = "state");

struct SamplingProgress {
  int64_t chain_batch = 0, chain_batches = 0;  // 1-based batch of chains
  SamplerStep step;
  double elapsed_seconds = 0;
};

struct SamplingOptions {
  int64_t samples = 1;     // chains drawn
  int64_t batch_size = 0;  // chains evaluated together (0: all at once)
  uint64_t seed = 0;
  // Which chains of the posterior to draw (empty: 0 .. samples - 1; else samples is its size). Chain
  // c's randomness comes from (seed, c) alone (SeededRandom's per-chain mode), so a subset drawn by
  // one process is those chains of the whole run.
  std::vector<int64_t> chains;
  bool keep_samples = false;
  std::function<void(const SamplingProgress&)> progress;
};

struct SamplingResult {
  // In the problem's unknown layout and physical units (Problem::to_physical): complex [H, W] for MRI.
  torch::Tensor mean;
  // Pixel-wise posterior standard deviation, real, sqrt(E|x - mean|^2) (|.| the complex modulus);
  // undefined for a single sample.
  torch::Tensor std;
  torch::Tensor samples;  // [N, *domain] when keep_samples
  int64_t nfe = 0;        // network evaluations per chain (the NFE papers quote), counted
  int64_t image_evaluations = 0;  // images passed through the network, all chains together
  int64_t decoder_evaluations = 0;  // decoder passes per chain (Sampler::decoder_counter; 0 without one)
  double seconds = 0;
  // Of `seconds`, the time inside the prior's network (forward and backward passes; EvaluationCounter).
  double network_seconds = 0;
  int64_t peak_memory_bytes = 0;  // the process's peak resident set size
};

// Throws InputError when the options are invalid or the problem's images do not have the prior's channels.
SamplingResult run_sampler(const Sampler& sampler, const PosteriorProblem& problem, const SamplingOptions& options);

// The process's peak resident set size in bytes (getrusage).
int64_t peak_resident_bytes();

}  // namespace diffrecon
