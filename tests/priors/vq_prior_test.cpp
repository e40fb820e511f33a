// The discrete prior's parts: the VQ autoencoder, its trainer, the token-denoiser trainer, the
// network token prior G2D2 samples with, and its model card (docs/priors.md, "Discrete prior").
#include "core/error.h"
#include "core/seeded_random.h"
#include "core/sha256.h"
#include "priors/model_card.h"
#include "priors/network_token_prior.h"
#include "priors/prior_file.h"
#include "priors/token_denoiser_trainer.h"
#include "priors/vq_trainer.h"
#include "tests/scratch_folder.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

namespace diffrecon {
namespace {

using diffrecon::testing::ScratchFolder;

VqAutoencoderConfig tiny_autoencoder(int64_t channels = 1, int64_t codes = 16) {
  VqAutoencoderConfig config;
  config.channels = channels;
  config.widths = {8, 16};  // f = 2
  config.codebook_size = codes;
  config.code_dim = 3;
  return config;
}

UNetConfig tiny_token_network(int64_t codes = 16) {
  UNetConfig config;
  config.channels = 8;  // features per token class
  config.base_width = 16;
  config.width_multipliers = {1, 2};
  config.input_classes = codes + 1;
  config.output_channels = codes;
  return config;
}

// Piecewise-constant random blobs: images a small codebook can tile.
std::shared_ptr<TrainingImageSource> blob_source(int64_t size, int64_t channels = 1) {
  return std::make_shared<GeneratedImageSource>(
      [size, channels](uint64_t seed) {
        SeededRandom random(seed);
        auto coarse = random.normal({1, channels, 4, 4});
        return torch::upsample_bilinear2d(coarse, {size, size}, true)[0];
      },
      channels);
}

double largest_difference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double largest = 0;
  for (size_t i = 0; i < a.size(); ++i) largest = std::max(largest, (a[i] - b[i]).abs().max().item<double>());
  return largest;
}

TEST(VqAutoencoder, ShapesTokensAndTheCodebookLookup) {
  torch::manual_seed(1);
  VqAutoencoder autoencoder(tiny_autoencoder(2));
  EXPECT_EQ(autoencoder.config().downsampling(), 2);
  const auto images = torch::randn({3, 2, 12, 8});
  const auto features = autoencoder.encode(images);
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{3, 3, 6, 4}));
  const auto tokens = autoencoder.quantise(features);
  ASSERT_EQ(tokens.sizes(), (std::vector<int64_t>{3, 24}));
  EXPECT_EQ(tokens.scalar_type(), torch::kInt64);
  // The nearest codebook entry, by brute force.
  const auto flat = features.permute({0, 2, 3, 1}).reshape({-1, 3});
  const auto nearest = torch::cdist(flat, autoencoder.codebook()).argmin(1).view({3, 24});
  EXPECT_TRUE(torch::equal(tokens, nearest));
  const TokenGrid grid{6, 4};
  const auto looked_up = autoencoder.lookup(tokens, grid);
  EXPECT_EQ(looked_up.sizes(), features.sizes());
  // One-hot relaxed tokens embed as the lookup (G2D2's relaxation at zero temperature).
  const auto one_hot = torch::one_hot(tokens, 16).permute({0, 2, 1}).to(torch::kFloat32);
  EXPECT_TRUE(torch::allclose(autoencoder.embed(one_hot, grid), looked_up, 1e-6, 1e-6));
  const auto decoded = autoencoder.decode(looked_up);
  EXPECT_EQ(decoded.sizes(), images.sizes());
  EXPECT_TRUE(torch::allclose(autoencoder.reconstruct(images), decoded, 1e-5, 1e-5));
  EXPECT_THROW(autoencoder.encode(torch::randn({1, 2, 7, 8})), std::exception);
}

TEST(VqAutoencoder, SavedAndLoadedReconstructsTheSameAndAMismatchNamesTheFile) {
  ScratchFolder folder;
  torch::manual_seed(2);
  VqAutoencoder autoencoder(tiny_autoencoder());
  autoencoder.set_codebook(torch::randn({16, 3}));
  autoencoder.save(folder / "autoencoder.pt", folder / "codebook.pt");
  torch::manual_seed(3);
  VqAutoencoder loaded(tiny_autoencoder());
  loaded.load(folder / "autoencoder.pt", folder / "codebook.pt");
  EXPECT_TRUE(torch::equal(loaded.codebook(), autoencoder.codebook()));
  const auto images = torch::randn({2, 1, 8, 8});
  EXPECT_TRUE(torch::equal(loaded.reconstruct(images), autoencoder.reconstruct(images)));

  VqAutoencoder more_codes(tiny_autoencoder(1, 32));
  try {
    more_codes.load(folder / "autoencoder.pt", folder / "codebook.pt");
    FAIL() << "a 16-entry codebook must not load into a 32-entry autoencoder";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("codebook.pt"), std::string::npos) << error.what();
  }
  auto wider = tiny_autoencoder();
  wider.widths = {8, 24};
  VqAutoencoder other(wider);
  try {
    other.load(folder / "autoencoder.pt", folder / "codebook.pt");
    FAIL() << "weights of other widths must not load";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("autoencoder.pt"), std::string::npos) << error.what();
  }
}

TEST(VqTrainer, ReconstructionImprovesAndCodesAreUsed) {
  VqTrainingOptions options;
  options.batch_size = 8;
  options.learning_rate = 2e-3;
  options.warmup_steps = 5;
  options.restart_every = 10;
  options.seed = 4;
  VqTrainer trainer(tiny_autoencoder(1, 128), options, blob_source(16));
  double early = 0, late = 0;
  int64_t restarted = 0, used = 0;
  for (int step = 0; step < 120; ++step) {
    const auto result = trainer.step();
    ASSERT_TRUE(std::isfinite(result.loss));
    if (step < 10) early += result.reconstruction / 10;
    if (step >= 110) late += result.reconstruction / 10, used = std::max(used, result.codes_used);
    restarted += result.codes_restarted;
  }
  EXPECT_EQ(trainer.completed_steps(), 120);
  EXPECT_LT(late, 0.5 * early) << "early " << early << " late " << late;
  EXPECT_GE(used, 4) << "the codebook collapsed";
  EXPECT_GT(restarted, 0) << "128 codes for 512 features of smooth blobs: some must have died and been re-seeded";
}

TEST(VqTrainer, ResumingContinuesWithinTheMomentsRoundingAndRefusesAnotherConfiguration) {
  ScratchFolder folder;
  VqTrainingOptions options;
  options.batch_size = 4;
  options.restart_every = 3;
  options.seed = 5;
  VqTrainer straight(tiny_autoencoder(), options, blob_source(16));
  for (int i = 0; i < 5; ++i) straight.step();
  straight.save_checkpoint(folder / "checkpoint.pt");
  for (int i = 0; i < 4; ++i) straight.step();

  VqTrainer resumed(tiny_autoencoder(), options, blob_source(16));
  resumed.load_checkpoint(folder / "checkpoint.pt");
  EXPECT_EQ(resumed.completed_steps(), 5);
  for (int i = 0; i < 4; ++i) resumed.step();
  EXPECT_LT(largest_difference(straight.autoencoder().parameters(), resumed.autoencoder().parameters()),
            0.05 * options.learning_rate);
  // The codebook moves by EMA, not by Adam: the same batches give the same codebook up to the weights' tiny drift.
  EXPECT_LT((straight.autoencoder().codebook() - resumed.autoencoder().codebook()).abs().max().item<double>(), 1e-3);

  VqTrainer mismatched(tiny_autoencoder(1, 32), options, blob_source(16));
  EXPECT_THROW(mismatched.load_checkpoint(folder / "checkpoint.pt"), std::runtime_error);
}

TEST(TokenDenoiserTrainer, TheLossFallsAndResumes) {
  ScratchFolder folder;
  torch::manual_seed(6);
  VqAutoencoder autoencoder(tiny_autoencoder());
  TokenTrainingOptions options;
  options.batch_size = 8;
  options.learning_rate = 2e-3;
  options.warmup_steps = 5;
  options.seed = 7;
  TokenDenoiserTrainer trainer(tiny_token_network(), autoencoder.clone(), VqDiffusionProcess(16, 20), options,
                               blob_source(16));
  double early = 0, late = 0;
  for (int step = 0; step < 80; ++step) {
    const auto result = trainer.step();
    ASSERT_TRUE(std::isfinite(result.loss)) << "step " << step;
    if (step < 10) early += result.masked_cross_entropy / 10;
    if (step >= 70) late += result.masked_cross_entropy / 10;
  }
  // Uniform guessing over 16 codes costs log 16 = 2.77 nats per masked token.
  EXPECT_LT(late, early - 0.3) << "early " << early << " late " << late;

  trainer.save_checkpoint(folder / "checkpoint.pt");
  trainer.ema_network().save(folder / "ema.pt");
  for (int i = 0; i < 3; ++i) trainer.step();
  TokenDenoiserTrainer resumed(tiny_token_network(), autoencoder.clone(), VqDiffusionProcess(16, 20), options,
                               blob_source(16));
  resumed.load_checkpoint(folder / "checkpoint.pt", folder / "ema.pt");
  EXPECT_EQ(resumed.completed_steps(), 80);
  for (int i = 0; i < 3; ++i) resumed.step();
  EXPECT_LT(largest_difference(trainer.ema_network().parameters(), resumed.ema_network().parameters()),
            0.05 * options.learning_rate);
}

NetworkTokenPrior tiny_token_prior(int64_t channels = 1) {
  torch::manual_seed(8);
  return NetworkTokenPrior(UNet(tiny_token_network()), VqAutoencoder(tiny_autoencoder(channels)),
                           VqDiffusionProcess(16, 20));
}

TEST(NetworkTokenPrior, AnyImageSizeGetsWholeTokensCroppedBack) {
  const auto prior = tiny_token_prior(2);
  EXPECT_EQ(prior.image_channels(), 2);
  // 13 x 8 pixels, f = 2: 7 x 4 tokens, rounded up to the token U-Net's multiple of 2: 8 x 4.
  const auto grid = prior.token_grid(13, 8);
  EXPECT_EQ(grid.height, 8);
  EXPECT_EQ(grid.width, 4);
  const auto z = torch::randint(0, 17, {2, grid.tokens()}, torch::kInt64);
  const auto log_p0 = prior.log_denoise(z, 5, grid);
  ASSERT_EQ(log_p0.sizes(), (std::vector<int64_t>{2, 16, 32}));
  EXPECT_LT((log_p0.logsumexp(1)).abs().max().item<double>(), 1e-5);
  auto soft = torch::softmax(torch::randn({2, 16, 32}, torch::kFloat64), 1).requires_grad_(true);
  const auto images = prior.decode(soft, grid);
  ASSERT_EQ(images.sizes(), (std::vector<int64_t>{2, 2, 13, 8}));
  EXPECT_EQ(images.scalar_type(), torch::kFloat64);
  images.square().sum().backward();
  ASSERT_TRUE(soft.grad().defined());
  EXPECT_GT(soft.grad().abs().sum().item<double>(), 0.0);
  // One-hot tokens decode as the autoencoder's codebook lookup.
  const auto tokens = torch::randint(0, 16, {1, 32}, torch::kInt64);
  const auto one_hot = torch::one_hot(tokens, 16).permute({0, 2, 1}).to(torch::kFloat32);
  const auto expected = prior.autoencoder().decode(prior.autoencoder().lookup(tokens, grid)).narrow(2, 0, 13);
  EXPECT_TRUE(torch::allclose(prior.decode(one_hot, grid), expected, 1e-5, 1e-5));
  EXPECT_THROW(prior.log_denoise(z, 20, grid), InputError);
  EXPECT_THROW(NetworkTokenPrior(UNet(tiny_token_network(32)), VqAutoencoder(tiny_autoencoder()), VqDiffusionProcess(16)),
               InputError);
}

TEST(PriorFile, AVqDiffusionCardLoadsAsATokenPriorWithEveryFileChecked) {
  ScratchFolder folder;
  torch::manual_seed(9);
  UNet network(tiny_token_network());
  network.save(folder / "token-denoiser.pt");
  VqAutoencoder autoencoder(tiny_autoencoder(2));
  autoencoder.save(folder / "autoencoder.pt", folder / "codebook.pt");
  ModelCard card;
  card.name = "tiny-vq";
  card.format = "vq-diffusion";
  card.weights = "token-denoiser.pt";
  card.weights_role = "token-denoiser";
  card.sha256 = sha256_file_hex(folder / "token-denoiser.pt");
  card.other_weights = {{"vq-autoencoder", "autoencoder.pt", sha256_file_hex(folder / "autoencoder.pt")},
                        {"codebook", "codebook.pt", sha256_file_hex(folder / "codebook.pt")}};
  card.channels = 2;
  card.complex = true;
  card.network = tiny_token_network();
  card.vq.autoencoder = tiny_autoencoder(2);
  card.vq.diffusion_steps = 20;
  card.vq.autoencoder_steps = 123;
  card.vq.autoencoder_hours = 0.25;
  const auto json_text = card.to_json();
  EXPECT_EQ(json_text.find("sigma_data"), std::string::npos) << "a discrete prior has no noise levels";
  EXPECT_EQ(json_text.find("parameterisation"), std::string::npos);
  std::ofstream(folder / "model.json") << json_text;

  const auto read = ModelCard::read(folder / "model.json");
  EXPECT_EQ(read.format, "vq-diffusion");
  EXPECT_EQ(read.vq.autoencoder.widths, card.vq.autoencoder.widths);
  EXPECT_EQ(read.vq.autoencoder.codebook_size, 16);
  EXPECT_EQ(read.vq.autoencoder.code_dim, 3);
  EXPECT_EQ(read.vq.diffusion_steps, 20);
  EXPECT_EQ(read.vq.autoencoder_steps, 123);
  EXPECT_DOUBLE_EQ(read.vq.autoencoder_hours, 0.25);
  EXPECT_EQ(read.network.channels, 8);
  EXPECT_EQ(read.network.input_classes, 17);
  EXPECT_EQ(read.network.outputs(), 16);
  EXPECT_EQ(read.weight_files().size(), 3u);

  const auto loaded = load_prior(folder / "model.json");
  EXPECT_EQ(loaded.denoiser, nullptr);
  ASSERT_NE(loaded.tokens, nullptr);
  EXPECT_EQ(loaded.tokens->classes(), 16);
  EXPECT_EQ(loaded.tokens->process().steps(), 20);
  EXPECT_EQ(loaded.tokens->image_channels(), 2);
  const auto grid = loaded.tokens->token_grid(8, 8);
  const auto one_hot = torch::one_hot(torch::zeros({1, grid.tokens()}, torch::kInt64), 16).permute({0, 2, 1}).to(torch::kFloat32);
  EXPECT_TRUE(torch::allclose(loaded.tokens->decode(one_hot, grid),
                              autoencoder.decode(autoencoder.lookup(torch::zeros({1, grid.tokens()}, torch::kInt64), grid))));

  std::ofstream(folder / "codebook.pt", std::ios::app) << "tampered";
  try {
    load_prior(folder / "model.json");
    FAIL() << "a changed codebook must be refused";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("codebook weights"), std::string::npos) << error.what();
  }
}

TEST(PriorFile, TheShippedVqPriorLoadsWithItsThreeChecksums) {
  const auto loaded = load_prior(std::filesystem::path(DIFFRECON_SOURCE_DIR) / "models/mri-brain-vq/model.json");
  ASSERT_NE(loaded.tokens, nullptr);
  EXPECT_EQ(loaded.card.weight_files().size(), 3u);
  EXPECT_TRUE(loaded.card.complex);
  EXPECT_EQ(loaded.tokens->classes(), 512);
  EXPECT_EQ(loaded.tokens->image_channels(), 2);
  const auto grid = loaded.tokens->token_grid(180, 218);  // the held-out sagittal slice: 45 x 55 tokens, padded
  EXPECT_EQ(grid.height, 48);
  EXPECT_EQ(grid.width, 56);
}

TEST(PriorFile, TheShippedCtVqPriorIsRealValuedAndDecodesAPhantomSizedGrid) {
  const auto loaded = load_prior(std::filesystem::path(DIFFRECON_SOURCE_DIR) / "models/ct-body-vq/model.json");
  ASSERT_NE(loaded.tokens, nullptr);
  EXPECT_EQ(loaded.card.weight_files().size(), 3u);
  EXPECT_FALSE(loaded.card.complex);
  EXPECT_EQ(loaded.tokens->image_channels(), 1);
  const auto grid = loaded.tokens->token_grid(256, 256);  // the CT benchmark's slice: 64 x 64 tokens of 4 x 4 pixels
  EXPECT_EQ(grid.tokens(), 64 * 64);
  torch::NoGradGuard no_grad;
  const auto one_hot = torch::one_hot(torch::zeros({1, grid.tokens()}, torch::kLong), loaded.tokens->classes())
                           .movedim(-1, -2)
                           .to(torch::kFloat32);
  const auto image = loaded.tokens->decode(one_hot, grid);
  EXPECT_EQ(image.sizes(), (std::vector<int64_t>{1, 1, 256, 256}));
  EXPECT_TRUE(torch::isfinite(image).all().item<bool>());
}

}  // namespace
}  // namespace diffrecon
