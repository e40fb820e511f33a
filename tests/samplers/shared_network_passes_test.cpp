// Shared network passes (samplers/shared_network_passes.h): tasks on their own threads get the
// denoiser's own answers, every pass serves every task still running, failures stop the others
// without a hang and reach the caller, and samplers sharing passes draw the chains they draw alone.
#include "samplers/sampler_presets.h"
#include "samplers/shared_network_passes.h"
#include "tests/samplers/gaussian_oracle.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <mutex>
#include <stdexcept>

namespace diffrecon {
namespace {

// D(x, sigma) = x / (1 + sigma^2), recording the images of every pass; throws on pass `fail_on`.
class RecordingDenoiser final : public Denoiser {
 public:
  explicit RecordingDenoiser(int64_t fail_on = -1) : fail_on_(fail_on) {}
  int64_t channels() const override { return 1; }
  std::string description() const override { return "recording"; }
  std::vector<int64_t> pass_images() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return passes_;
  }

 protected:
  torch::Tensor apply_denoise(const torch::Tensor& x, const torch::Tensor& sigma) const override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      passes_.push_back(x.size(0));
      if (static_cast<int64_t>(passes_.size()) == fail_on_) throw std::runtime_error("the network ran out of memory");
    }
    return x / (1 + broadcast_sigma(sigma, x).square());
  }

 private:
  int64_t fail_on_;
  mutable std::mutex mutex_;
  mutable std::vector<int64_t> passes_;
};

// Task t calls the network calls[t] times on t + 1 images with its own sigmas.
std::function<void(int64_t, DenoiserPtr)> calling_task(const std::vector<int64_t>& calls,
                                                       std::vector<torch::Tensor>& results) {
  return [&calls, &results](int64_t t, DenoiserPtr denoiser) {
    torch::NoGradGuard no_grad;
    auto x = torch::full({t + 1, 1, 2, 3}, double(t + 1), torch::kFloat64);
    for (int64_t k = 0; k < calls[size_t(t)]; ++k)
      x = denoiser->denoise(x, torch::full({t + 1}, 0.5 + 0.1 * double(k), torch::kFloat64)) + 1.0;
    results[size_t(t)] = x;
  };
}

TEST(SharedNetworkPasses, EveryPassServesEveryTaskStillRunningWithTheDenoisersOwnAnswers) {
  auto network = std::make_shared<RecordingDenoiser>();
  const std::vector<int64_t> calls{3, 5, 1};
  std::vector<torch::Tensor> shared(3), alone(3);
  const auto statistics = run_with_shared_network_passes(network, 3, calling_task(calls, shared));
  // The same calls, one task after another, straight to the network.
  for (int64_t t = 0; t < 3; ++t) calling_task(calls, alone)(t, network);
  for (size_t t = 0; t < 3; ++t) EXPECT_TRUE(torch::equal(shared[t], alone[t])) << "task " << t;

  // Task t sends t + 1 images: the first pass has all three tasks (6 images), then tasks 0 and 1
  // (3), then task 1 alone (2).
  const auto passes = network->pass_images();
  const std::vector<int64_t> expected_shared{6, 3, 3, 2, 2};
  EXPECT_EQ(std::vector<int64_t>(passes.begin(), passes.begin() + 5), expected_shared);
  EXPECT_EQ(statistics.passes, 5);
  EXPECT_EQ(statistics.images, 6 + 3 + 3 + 2 + 2);
  EXPECT_EQ(statistics.largest_pass, 6);
  EXPECT_GT(statistics.seconds, 0.0);
}

TEST(SharedNetworkPasses, ATaskThatFailsStopsTheOthersAndItsErrorReachesTheCaller) {
  auto network = std::make_shared<RecordingDenoiser>();
  const auto task = [](int64_t t, DenoiserPtr denoiser) {
    torch::NoGradGuard no_grad;
    auto x = torch::ones({1, 1, 2, 2});
    for (int k = 0; k < 1000; ++k) {
      if (t == 2 && k == 3) throw InputError("slice 3: coil maps hold NaN");
      x = denoiser->denoise(x, 1.0);
    }
  };
  try {
    run_with_shared_network_passes(network, 4, task);
    FAIL() << "expected the failing task's error";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "slice 3: coil maps hold NaN");
  }
  // The others stopped at their next call instead of running their 1000 steps.
  EXPECT_LE(network->pass_images().size(), 5u);
}

TEST(SharedNetworkPasses, AFailedPassStopsEveryTaskAndItsErrorReachesTheCaller) {
  auto network = std::make_shared<RecordingDenoiser>(/*fail_on=*/2);
  const std::vector<int64_t> calls{4, 4};
  std::vector<torch::Tensor> results(2);
  EXPECT_THROW(
      {
        try {
          run_with_shared_network_passes(network, 2, calling_task(calls, results));
        } catch (const std::runtime_error& error) {
          EXPECT_STREQ(error.what(), "the network ran out of memory");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_EQ(network->pass_images().size(), 2u);
}

TEST(SharedNetworkPasses, RefusesACallThatWouldDifferentiateTheNetwork) {
  auto network = std::make_shared<RecordingDenoiser>();
  const auto task = [](int64_t, DenoiserPtr denoiser) {
    auto x = torch::ones({1, 1, 2, 2}, torch::requires_grad());
    denoiser->denoise(x, 1.0);
  };
  EXPECT_THROW(run_with_shared_network_passes(network, 2, task), InternalError);
}

TEST(SharedNetworkPasses, TasksRunOnTheirOwnThreadCountAndTheCallersIsKept) {
  const int before = at::get_num_threads();
  std::vector<int> seen(2, 0);
  run_with_shared_network_passes(std::make_shared<RecordingDenoiser>(), 2,
                                 [&](int64_t t, DenoiserPtr) { seen[size_t(t)] = at::get_num_threads(); }, 1);
  EXPECT_EQ(seen, (std::vector<int>{1, 1}));
  EXPECT_EQ(at::get_num_threads(), before);
}

// Three problems (three "slices") sampled by DAPS and DDS sharing passes draw exactly the chains each
// draws alone: the Gaussian prior's denoiser is the same function of each image whatever the batch.
TEST(SharedNetworkPasses, SamplersSharingPassesDrawTheChainsTheyDrawAlone) {
  std::vector<testing::OracleSetup> slices;
  for (uint64_t seed : {7u, 8u, 9u}) slices.push_back(testing::make_oracle(testing::oracle_gaussian(), 0.1, 2, seed));
  SamplingOptions options;
  options.samples = 2;
  options.seed = 11;
  for (const char* method : {"daps", "dds", "reddiff"}) {
    const SamplerRecipe recipe{method, SamplerPreset::Fast, ProjectionPreconditioner::Identity, {}};
    std::vector<SamplingResult> shared(3);
    run_with_shared_network_passes(slices[0].prior, 3, [&](int64_t s, DenoiserPtr denoiser) {
      shared[size_t(s)] = run_sampler(*make_sampler(recipe, denoiser), *slices[size_t(s)].problem, options);
    });
    for (size_t s = 0; s < 3; ++s) {
      const auto alone = run_sampler(*make_sampler(recipe, slices[s].prior), *slices[s].problem, options);
      EXPECT_TRUE(torch::equal(shared[s].mean, alone.mean) && torch::equal(shared[s].std, alone.std))
          << method << " slice " << s;
      EXPECT_EQ(shared[s].nfe, alone.nfe) << method;
    }
  }
}

}  // namespace
}  // namespace diffrecon
