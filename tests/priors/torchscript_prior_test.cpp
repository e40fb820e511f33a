// TorchScript priors end to end: modules authored and saved from C++ (no Python, no download), a model
// card with their checksum, load_prior, and the parameterisation adapters.
#include "priors/gaussian_mixture_prior.h"
#include "priors/model_card.h"
#include "priors/prior_file.h"
#include "core/sha256.h"
#include "tests/scratch_folder.h"

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <fstream>

namespace diffrecon {
namespace {

using diffrecon::testing::ScratchFolder;

void write_card(const ScratchFolder& folder, const std::string& weights, Parameterisation parameterisation,
                Conditioning conditioning, double time_scale = 1.0) {
  ModelCard card;
  card.name = "fixture";
  card.format = "torchscript";
  card.weights = weights;
  card.sha256 = sha256_file_hex(folder / weights);
  card.parameterisation = parameterisation;
  card.conditioning = conditioning;
  card.vp_time_scale = time_scale;
  card.channels = 1;
  std::ofstream(folder / "model.json") << card.to_json();
}

TEST(TorchScriptPrior, DenoiserModuleIsCalledWithSigma) {
  ScratchFolder folder;
  torch::jit::Module module("Shrink");
  module.register_parameter("gain", torch::tensor(0.5), false);
  // D(x; sigma) = x / (1 + gain sigma^2): an isotropic Gaussian denoiser N(0, 1/gain).
  module.define(R"(
def forward(self, x, sigma):
    return x / (1.0 + self.gain * sigma.view(-1, 1, 1, 1) ** 2)
)");
  module.save((folder / "shrink.pt").string());
  write_card(folder, "shrink.pt", Parameterisation::Denoiser, Conditioning::Sigma);
  const auto prior = load_prior(folder / "model.json");
  const auto x = torch::randn({2, 1, 4, 4});
  const auto sigma = torch::tensor({0.5f, 2.0f});
  EXPECT_TRUE(torch::allclose(prior.denoiser->denoise(x, sigma), x / (1 + 0.5 * sigma * sigma).view({2, 1, 1, 1})));
}

TEST(TorchScriptPrior, VpEpsilonNetworkBecomesTheExactGaussianDenoiser) {
  // The exact epsilon network of N(0, s^2 I) under the continuous VP schedule, conditioned on 999 t as in
  // DAPS's VPPrecond: eps*(x_t, t) = sqrt(1 - abar) x_t / (abar s^2 + 1 - abar).
  ScratchFolder folder;
  torch::jit::Module module("ExactEpsilon");
  module.register_parameter("variance", torch::tensor(0.64), false);
  module.define(R"(
def forward(self, x, c):
    t = (c / 999.0).view(-1, 1, 1, 1)
    abar = torch.exp(-(0.1 * t + 9.95 * t * t))
    return torch.sqrt(1.0 - abar) * x / (abar * self.variance + 1.0 - abar)
)");
  module.save((folder / "epsilon.pt").string());
  write_card(folder, "epsilon.pt", Parameterisation::Epsilon, Conditioning::VpContinuousTime, 999.0);
  const auto prior = load_prior(folder / "model.json");
  const auto exact = GaussianMixturePrior::gaussian(torch::zeros({16}), 0.64 * torch::eye(16), {1, 4, 4});
  const auto x = torch::randn({3, 1, 4, 4}, torch::kFloat64);
  for (double sigma : {0.05, 0.7, 5.0})
    EXPECT_TRUE(torch::allclose(prior.denoiser->denoise(x, sigma), exact.denoise(x, sigma), 1e-6, 1e-8)) << sigma;
}

TEST(TorchScriptPrior, ScoreModuleAndErrors) {
  ScratchFolder folder;
  torch::jit::Module module("Score");
  module.define(R"(
def forward(self, x, sigma):
    return -x / (1.0 + sigma.view(-1, 1, 1, 1) ** 2)
)");
  module.save((folder / "score.pt").string());
  write_card(folder, "score.pt", Parameterisation::Score, Conditioning::Sigma);
  const auto prior = load_prior(folder / "model.json");
  const auto x = torch::randn({1, 1, 3, 3});
  // N(0, I): D = x + sigma^2 score = x / (1 + sigma^2).
  EXPECT_TRUE(torch::allclose(prior.denoiser->denoise(x, 2.0), x / 5));

  write_card(folder, "score.pt", Parameterisation::Score, Conditioning::VpDiscreteTimestep);
  EXPECT_THROW(load_prior(folder / "model.json"), std::runtime_error);  // unsupported combination
  std::ofstream(folder / "garbage.pt") << "not a module";
  write_card(folder, "garbage.pt", Parameterisation::Denoiser, Conditioning::Sigma);
  EXPECT_THROW(load_prior(folder / "model.json"), std::runtime_error);
}

}  // namespace
}  // namespace diffrecon
