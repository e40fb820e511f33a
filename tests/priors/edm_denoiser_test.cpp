#include "priors/edm_denoiser.h"
#include "priors/model_card.h"
#include "priors/prior_file.h"
#include "priors/prior_trainer.h"
#include "core/sha256.h"
#include "core/tensor_math.h"
#include "tests/scratch_folder.h"

#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/torch.h>

#include <fstream>
#include <tuple>

namespace diffrecon {
namespace {

using diffrecon::testing::ScratchFolder;

UNetConfig tiny_network(int64_t channels = 1) {
  UNetConfig config;
  config.channels = channels;
  config.base_width = 8;
  config.width_multipliers = {1, 2};
  return config;
}

// Smooth random blobs: a simple image distribution a tiny network learns in a few dozen steps.
std::shared_ptr<TrainingImageSource> blob_source(int64_t size, int64_t channels = 1) {
  return std::make_shared<GeneratedImageSource>(
      [size, channels](uint64_t seed) {
        SeededRandom random(seed);
        auto coarse = random.normal({1, channels, 3, 3});
        return torch::upsample_bilinear2d(coarse, {size, size}, true)[0];
      },
      channels);
}

TEST(EdmDenoiser, AnyImageSizeIsPaddedAndCroppedBack) {
  torch::manual_seed(0);
  EdmDenoiser denoiser(UNet(tiny_network(2)), 0.5);
  for (auto [h, w] : std::vector<std::pair<int64_t, int64_t>>{{16, 16}, {13, 21}, {3, 5}}) {
    const auto x = torch::randn({2, 2, h, w});
    EXPECT_EQ(denoiser.denoise(x, 0.3).sizes(), x.sizes());
  }
  EXPECT_THROW(denoiser.denoise(torch::randn({1, 1, 8, 8}), 0.3), std::invalid_argument);  // wrong channels
}

TEST(EdmDenoiser, PreconditioningLimits) {
  // With the output layer at zero (a fresh network), F = 0 and D = c_skip x = sd^2 / (sigma^2 + sd^2) x.
  torch::manual_seed(0);
  EdmDenoiser denoiser(UNet(tiny_network()), 0.5);
  const auto x = torch::randn({3, 1, 8, 8});
  const auto sigma = torch::tensor({0.01f, 0.5f, 10.0f});
  const auto expected = x * (0.25 / (sigma * sigma + 0.25)).view({3, 1, 1, 1});
  EXPECT_TRUE(torch::allclose(denoiser.denoise(x, sigma), expected, 1e-5, 1e-6));
}

// A loaded prior runs passes without gradient on a channels-last copy of its network: the same
// denoiser to float rounding, any image size, and passes with gradient on the standard weights.
TEST(EdmDenoiser, ChannelsLastInferenceGivesTheSameDenoiser) {
  torch::manual_seed(0);
  UNet network(tiny_network(2));
  {
    torch::NoGradGuard no_grad;  // a non-zero output layer, so the network's residual is not zero
    for (auto& p : network.parameters()) p.normal_(0, 0.2);
  }
  const EdmDenoiser standard(network, 0.5), channels_last(network, 0.5, true);
  for (auto [h, w] : std::vector<std::pair<int64_t, int64_t>>{{16, 16}, {13, 21}}) {
    const auto x = torch::randn({3, 2, h, w});
    const auto sigma = torch::tensor({0.05f, 0.5f, 5.0f});
    torch::NoGradGuard no_grad;
    const auto expected = standard.denoise(x, sigma), actual = channels_last.denoise(x, sigma);
    EXPECT_GT((expected - x * (0.25 / (sigma * sigma + 0.25)).view({3, 1, 1, 1})).abs().max().item<float>(), 1e-2);
    EXPECT_TRUE(actual.is_contiguous());
    EXPECT_TRUE(torch::allclose(actual, expected, 1e-4, 1e-5)) << (actual - expected).abs().max().item<float>();
  }
  auto x = torch::randn({1, 2, 8, 8}, torch::requires_grad());
  const auto gradient = torch::autograd::grad({channels_last.denoise(x, 0.2).sum()}, {x})[0];
  auto y = x.detach().requires_grad_(true);
  const auto reference = torch::autograd::grad({standard.denoise(y, 0.2).sum()}, {y})[0];
  EXPECT_TRUE(torch::equal(gradient, reference));  // the same (standard-layout) network computes it
}

TEST(EdmDenoiser, IsDifferentiableInItsInput) {
  torch::manual_seed(0);
  EdmDenoiser denoiser(UNet(tiny_network()), 0.5);
  auto x = torch::randn({1, 1, 8, 8}, torch::requires_grad());
  const auto gradient = torch::autograd::grad({denoiser.denoise(x, 0.2).sum()}, {x})[0];
  EXPECT_EQ(gradient.sizes(), x.sizes());
  EXPECT_TRUE(torch::isfinite(gradient).all().item<bool>());
}

// The convolutions the throughput benchmark times and counts: every Conv2d of the module, in the
// order forward() runs them, at the level (resolution) it runs them.
TEST(UNet, ConvolutionLayersListEveryConvolutionAtItsLevel) {
  const UNet network(tiny_network());
  using Layer = std::tuple<int64_t, int64_t, int64_t, int64_t>;  // in, out, kernel, level
  const std::vector<Layer> expected = {
      {1, 8, 3, 0},                                                      // input
      {8, 8, 3, 0},   {8, 8, 3, 0},                                      // encoder, level 0
      {8, 16, 3, 1},  {16, 16, 3, 1}, {8, 16, 1, 1},                     // encoder, level 1 (+ skip)
      {16, 16, 3, 1}, {16, 16, 3, 1}, {16, 16, 3, 1}, {16, 16, 3, 1},    // middle
      {32, 16, 3, 1}, {16, 16, 3, 1}, {32, 16, 1, 1},                    // decoder, level 1
      {24, 16, 3, 1}, {16, 16, 3, 1}, {24, 16, 1, 1},
      {24, 8, 3, 0},  {8, 8, 3, 0},   {24, 8, 1, 0},                     // decoder, level 0
      {16, 8, 3, 0},  {8, 8, 3, 0},   {16, 8, 1, 0},
      {8, 1, 3, 0}};                                                     // output
  std::vector<Layer> actual;
  for (const auto& l : network.convolution_layers()) actual.emplace_back(l.in_channels, l.out_channels, l.kernel, l.level);
  EXPECT_EQ(actual, expected);
  // The same weights as the module's Conv2d layers hold.
  int64_t listed = 0, held = 0;
  for (const auto& l : network.convolution_layers()) listed += l.in_channels * l.out_channels * l.kernel * l.kernel;
  for (const auto& module : network.module()->modules())
    if (const auto* conv = dynamic_cast<const torch::nn::Conv2dImpl*>(module.get())) held += conv->weight.numel();
  EXPECT_EQ(listed, held);
  // Two operations per multiply-add, at the level's resolution: the input layer on 2 images of 16 x 16,
  // a level-1 layer on 8 x 8.
  EXPECT_DOUBLE_EQ(network.convolution_layers()[0].flops(2, 16, 16), 2.0 * 2 * 1 * 8 * 9 * 256);
  EXPECT_DOUBLE_EQ(network.convolution_layers()[3].flops(2, 16, 16), 2.0 * 2 * 8 * 16 * 9 * 64);
}

TEST(TrainingImages, GeneratedImagesAreCroppedToPatches) {
  GeneratedImageSource source([](uint64_t seed) { return torch::full({40, 50}, static_cast<double>(seed % 7)); }, 1,
                              true, 16);
  SeededRandom random(1);
  const auto batch = draw_batch(source, 3, random);
  EXPECT_EQ(batch.sizes(), (std::vector<int64_t>{3, 1, 16, 16}));
  GeneratedImageSource too_small([](uint64_t) { return torch::zeros({8, 8}); }, 1, true, 16);
  EXPECT_THROW(too_small.draw(random), std::invalid_argument);
}

TEST(TrainingImages, AGeneratedImageGivesSeveralPatchesWhenAsked) {
  int calls = 0;
  auto generate = [&calls](uint64_t seed) {
    ++calls;
    return torch::full({40, 50}, static_cast<double>(seed % 1000));
  };
  GeneratedImageSource source(generate, 1, false, 16, 4);
  SeededRandom random(2);
  std::vector<double> values;
  for (int k = 0; k < 8; ++k) values.push_back(source.draw(random).mean().item<double>());
  EXPECT_EQ(calls, 2);
  // Draws 0-3 crop one image, 4-7 the next.
  for (int k = 1; k < 4; ++k) EXPECT_EQ(values[k], values[0]);
  for (int k = 5; k < 8; ++k) EXPECT_EQ(values[k], values[4]);
  EXPECT_NE(values[0], values[4]);
  EXPECT_THROW(GeneratedImageSource(generate, 1, true, 0, 2), std::invalid_argument);  // whole images: one each
  EXPECT_THROW(GeneratedImageSource(generate, 1, true, 16, 0), std::invalid_argument);
}

TEST(TrainingImages, VolumeSlicesAreNormalisedPatchesWithASmoothPhase) {
  // A volume whose slices differ in brightness: each patch comes out at the same scale.
  auto volume = torch::rand({6, 32, 32}) + 0.5;
  volume *= torch::arange(1, 7, torch::kFloat32).view({6, 1, 1});
  SliceSourceOptions options;
  options.axes = {0};
  options.patch_size = 0;
  options.complex = true;
  VolumeSliceSource source({volume}, options);
  SeededRandom random(2);
  for (int i = 0; i < 5; ++i) {
    const auto image = source.draw(random);
    ASSERT_EQ(image.sizes(), (std::vector<int64_t>{2, 32, 32}));
    const auto magnitude = (image[0].pow(2) + image[1].pow(2)).sqrt();
    EXPECT_NEAR(magnitude_percentile(magnitude, 99.0), 1.0, 1e-5);
    EXPECT_GT(image[1].abs().max().item<double>(), 0.01);  // a phase was applied
  }
}

TEST(PriorTrainer, LossDecreasesOnATinyConfiguration) {
  TrainingOptions options;
  options.batch_size = 8;
  options.learning_rate = 2e-3;
  options.warmup_steps = 10;
  options.seed = 3;
  PriorTrainer trainer(tiny_network(), options, blob_source(16));
  double early = 0, late = 0;
  for (int step = 0; step < 160; ++step) {
    const double loss = trainer.step().loss;
    if (step < 20) early += loss / 20;
    if (step >= 140) late += loss / 20;
  }
  EXPECT_EQ(trainer.completed_steps(), 160);
  EXPECT_LT(late, 0.7 * early) << "early " << early << " late " << late;
}

TEST(PriorTrainer, ResumingFromACheckpointContinuesWithinTheMomentsRounding) {
  ScratchFolder folder;
  TrainingOptions options;
  options.batch_size = 4;
  options.seed = 9;
  PriorTrainer straight(tiny_network(), options, blob_source(16));
  for (int i = 0; i < 6; ++i) straight.step();
  straight.save_checkpoint(folder / "checkpoint.pt");
  straight.ema_denoiser().network().save(folder / "weights.pt");
  for (int i = 0; i < 4; ++i) straight.step();

  PriorTrainer resumed(tiny_network(), options, blob_source(16));
  resumed.load_checkpoint(folder / "checkpoint.pt", folder / "weights.pt");
  EXPECT_EQ(resumed.completed_steps(), 6);
  for (int i = 0; i < 4; ++i) resumed.step();
  const auto a = straight.ema_denoiser().network().parameters();
  const auto b = resumed.ema_denoiser().network().parameters();
  ASSERT_EQ(a.size(), b.size());
  // Same batches and noise; only Adam's moments were rounded to bfloat16 (8 significant bits), so the
  // weights differ by a small fraction of one learning-rate step.
  double largest = 0;
  for (size_t i = 0; i < a.size(); ++i) largest = std::max(largest, (a[i] - b[i]).abs().max().item<double>());
  EXPECT_LT(largest, 0.05 * options.learning_rate);

  EXPECT_GT(largest, 0.0) << "bfloat16 moments should differ from float32 ones somewhere";

  auto other = tiny_network();
  other.base_width = 16;
  PriorTrainer mismatched(other, options, blob_source(16));
  EXPECT_THROW(mismatched.load_checkpoint(folder / "checkpoint.pt", folder / "weights.pt"), std::runtime_error);
}

TEST(PriorTrainer, ACheckpointHoldsTheLiveWeightsAndHalfSizeMomentsNotTheEma) {
  ScratchFolder folder;
  TrainingOptions options;
  options.batch_size = 2;
  auto network = tiny_network();
  network.base_width = 16;  // enough parameters that the archive's own overhead does not matter
  PriorTrainer trainer(network, options, blob_source(16));
  trainer.step();
  trainer.save_checkpoint(folder / "checkpoint.pt");
  trainer.ema_denoiser().network().save(folder / "weights.pt");
  // float32 weights (4 bytes a parameter) + two bfloat16 moments (2 + 2) = twice the float32 weights file;
  // the first format (weights, EMA and float32 moments) was four times.
  const double ratio = static_cast<double>(std::filesystem::file_size(folder / "checkpoint.pt")) /
                       static_cast<double>(std::filesystem::file_size(folder / "weights.pt"));
  EXPECT_GT(ratio, 1.8);
  EXPECT_LT(ratio, 2.3);
}

TEST(PriorTrainer, AFirstFormatCheckpointStillResumes) {
  // The first format (models trained before bfloat16 moments): live weights, EMA weights and LibTorch's own
  // Adam archive, all in the checkpoint.
  ScratchFolder folder;
  torch::manual_seed(4);
  UNet live(tiny_network()), ema(tiny_network());
  torch::optim::Adam adam(live.parameters(), torch::optim::AdamOptions(1e-3));
  const auto x = torch::randn({2, 1, 16, 16});
  live.forward(x, torch::zeros({2})).square().mean().backward();
  adam.step();
  torch::serialize::OutputArchive archive, model, averaged, optimizer;
  live.module()->save(model);
  ema.module()->save(averaged);
  adam.save(optimizer);
  archive.write("model", model);
  archive.write("ema", averaged);
  archive.write("optimizer", optimizer);
  archive.write("completed_steps", torch::tensor(int64_t{37}));
  archive.write("training_seconds", torch::tensor(1.5, torch::kFloat64));
  archive.save_to((folder / "checkpoint.pt").string());

  PriorTrainer trainer(tiny_network(), TrainingOptions{}, blob_source(16));
  trainer.load_checkpoint(folder / "checkpoint.pt", folder / "no-such-weights.pt");
  EXPECT_EQ(trainer.completed_steps(), 37);
  EXPECT_DOUBLE_EQ(trainer.training_seconds(), 1.5);
  const auto restored = trainer.ema_denoiser().network().parameters();
  const auto written = ema.parameters();
  for (size_t i = 0; i < written.size(); ++i) EXPECT_TRUE(torch::equal(restored[i], written[i])) << "parameter " << i;
}

TEST(PriorTrainer, TheLowNoiseMixturePutsItsShareOfSigmasWhereReconstructionsEnd) {
  TrainingOptions options;
  options.batch_size = 20000;
  SeededRandom edm_only(5);
  const auto edm = draw_training_sigma(options, edm_only);
  options.low_noise_fraction = 0.7;
  SeededRandom mixed_random(5);
  const auto mixed = draw_training_sigma(options, mixed_random);
  auto share = [](const torch::Tensor& sigma, double low, double high) {
    return ((sigma >= low) & (sigma <= high)).to(torch::kFloat64).mean().item<double>();
  };
  // EDM's N(-1.2, 1.2^2): P(0.005 <= sigma <= 0.2) = Phi(-0.34) - Phi(-3.41) = 0.366.
  EXPECT_NEAR(share(edm, 0.005, 0.2), 0.366, 0.015);
  // 0.7 * P_N(-3, 1)(0.005..0.2) + 0.3 * 0.366 = 0.7 * (Phi(1.39) - Phi(-2.30)) + 0.110 = 0.757.
  EXPECT_NEAR(share(mixed, 0.005, 0.2), 0.757, 0.015);
  // The high noise samplers start from is still drawn: P(sigma > 1) = 0.3 * (1 - Phi(1)) = 0.048.
  EXPECT_NEAR(share(mixed, 1.0, 1e9), 0.048, 0.008);
}

TEST(PriorFile, LoadsTheWeightsTheCardDescribesAndChecksTheirChecksum) {
  ScratchFolder folder;
  torch::manual_seed(1);
  UNet network(tiny_network(2));
  network.save(folder / "weights.pt");
  ModelCard card;
  card.name = "test-prior";
  card.weights = "weights.pt";
  card.sha256 = sha256_file_hex(folder / "weights.pt");
  card.channels = 2;
  card.complex = true;
  card.network = tiny_network(2);
  card.normalization.percentile = 99;
  card.training.steps = 12;
  std::ofstream(folder / "model.json") << card.to_json();

  const auto loaded = load_prior(folder / "model.json");
  EXPECT_EQ(loaded.card.name, "test-prior");
  EXPECT_TRUE(loaded.card.complex);
  EXPECT_EQ(loaded.card.training.steps, 12);
  EXPECT_EQ(loaded.denoiser->channels(), 2);
  const auto x = torch::randn({1, 2, 8, 8});
  EdmDenoiser reference(network, 0.5);
  EXPECT_TRUE(torch::allclose(loaded.denoiser->denoise(x, 0.4), reference.denoise(x, 0.4).detach()));

  // A changed weights file no longer matches the card.
  std::ofstream(folder / "weights.pt", std::ios::app) << "tampered";
  try {
    load_prior(folder / "model.json");
    FAIL() << "a checksum mismatch must be an error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("SHA-256"), std::string::npos) << error.what();
  }
  std::ofstream(folder / "broken.json") << "{\"name\": 3}";
  EXPECT_THROW(ModelCard::read(folder / "broken.json"), std::runtime_error);
}

TEST(PriorFile, ChecksEveryWeightsFileOfACardThatListsSeveral) {
  // A card listing two files (a VQ prior's transformer and VQ-VAE would): both checksums are checked,
  // the denoiser comes from the first, and a change to the second alone is refused, naming its role.
  ScratchFolder folder;
  torch::manual_seed(2);
  UNet network(tiny_network(1));
  network.save(folder / "denoiser.pt");
  std::ofstream(folder / "codebook.bin") << "sixteen codes...";
  ModelCard card;
  card.name = "two-files";
  card.weights = "denoiser.pt";
  card.sha256 = sha256_file_hex(folder / "denoiser.pt");
  card.other_weights.push_back({"codebook", "codebook.bin", sha256_file_hex(folder / "codebook.bin")});
  card.network = tiny_network(1);
  const auto json_text = card.to_json();
  EXPECT_NE(json_text.find("\"role\": \"codebook\""), std::string::npos) << json_text;
  std::ofstream(folder / "model.json") << json_text;

  const auto loaded = load_prior(folder / "model.json");
  ASSERT_EQ(loaded.card.weight_files().size(), 2u);
  EXPECT_EQ(loaded.card.weights_role, "denoiser");
  EXPECT_EQ(loaded.card.weights, "denoiser.pt");
  EXPECT_EQ(loaded.card.other_weights[0].role, "codebook");
  EXPECT_EQ(loaded.card.other_weights[0].sha256, card.other_weights[0].sha256);
  const auto x = torch::randn({1, 1, 8, 8});
  EXPECT_TRUE(torch::allclose(loaded.denoiser->denoise(x, 0.4), EdmDenoiser(network, 0.5).denoise(x, 0.4).detach()));

  std::ofstream(folder / "codebook.bin", std::ios::app) << "tampered";
  try {
    load_prior(folder / "model.json");
    FAIL() << "a checksum mismatch on the second file must be an error";
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("SHA-256"), std::string::npos) << message;
    EXPECT_NE(message.find("codebook weights"), std::string::npos) << message;
    EXPECT_NE(message.find("codebook.bin"), std::string::npos) << message;
  }
  std::filesystem::remove(folder / "codebook.bin");
  EXPECT_THROW(load_prior(folder / "model.json"), std::runtime_error);
  std::ofstream(folder / "empty.json") << R"({"name": "x", "format": "torchscript", "weights": [], "parameterisation": "denoiser",
    "channels": 1, "normalization": {"kind": "fixed", "scale": 1}})";
  EXPECT_THROW(ModelCard::read(folder / "empty.json"), std::runtime_error);
}

TEST(ModelCard, TheShippedSingleFileCardsStillRead) {
  for (const char* name : {"mri-brain", "ct-body"}) {
    const auto card = ModelCard::read(std::filesystem::path(DIFFRECON_SOURCE_DIR) / "models" / name / "model.json");
    ASSERT_EQ(card.weight_files().size(), 1u) << name;
    EXPECT_EQ(card.weights, "weights.pt") << name;
    EXPECT_EQ(card.weights_role, "denoiser") << name;
    EXPECT_EQ(card.sha256.size(), 64u) << name;
    // ... and write back in the same single-file form.
    EXPECT_EQ(card.to_json().find("\"role\""), std::string::npos) << name;
  }
}

TEST(ModelCard, NormalisationIsDeclaredByThePriorAndAppliedToAnImage) {
  NormalizationSpec percentile;
  percentile.percentile = 50;
  const auto image = torch::arange(1, 102, torch::kFloat64) * 3;  // median 153
  const auto by_percentile = percentile.for_image(image);
  EXPECT_NEAR(by_percentile.scale, 153.0, 1e-9);
  EXPECT_NEAR(by_percentile.normalize(image)[50].item<double>(), 1.0, 1e-12);
  NormalizationSpec fixed;
  fixed.kind = "fixed";
  fixed.scale = 0.0192;
  fixed.offset = 0.0192;
  const auto water = fixed.for_image(image);  // the estimate does not matter for a fixed mapping
  EXPECT_NEAR(water.normalize(torch::tensor({0.0, 0.0192, 0.0384}, torch::kFloat64))[0].item<double>(), -1.0, 1e-12);
  EXPECT_NEAR(water.normalize(torch::tensor({0.0384}, torch::kFloat64))[0].item<double>(), 1.0, 1e-12);
}

TEST(Sha256, MatchesTheFipsTestVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}


TEST(TrainingImages, SyntheticContrastKeepsAirDarkAndMixesTissueClasses) {
  // Three flat "tissues" on air: every synthetic contrast keeps air at zero, keeps each tissue flat
  // (a pure class member maps to one value) and is renormalised so its 99th percentile is 1.
  auto image = torch::zeros({40, 40});
  image.narrow(0, 5, 10).fill_(0.25);
  image.narrow(0, 15, 10).fill_(0.5);
  image.narrow(0, 25, 15).fill_(1.0);
  SeededRandom random(4);
  bool order_changed = false;
  for (int i = 0; i < 20; ++i) {
    const auto contrast = synthetic_contrast(image, random);
    ASSERT_EQ(contrast.sizes(), image.sizes());
    EXPECT_NEAR(contrast.narrow(0, 0, 5).abs().max().item<double>(), 0.0, 1e-6);
    for (auto [top, rows] : {std::pair{5, 10}, std::pair{15, 10}, std::pair{25, 15}})
      EXPECT_LT(contrast.narrow(0, top, rows).std().item<double>(), 1e-5);
    EXPECT_NEAR(magnitude_percentile(contrast, 99.0), 1.0, 1e-5);
    if (contrast[10][0].item<double>() > contrast[30][0].item<double>()) order_changed = true;
  }
  EXPECT_TRUE(order_changed);  // some contrasts make the darkest tissue brighter than the brightest
}

TEST(TrainingImages, PixelSizeRangeIsPerVolumeSpacing) {
  // A 0.5 mm and a 1 mm volume drawn at 1-2 mm: neither slice is ever finer than 1 mm.
  SliceSourceOptions options;
  options.axes = {0};
  options.patch_size = 0;
  options.min_pixel_mm = 1.0;
  options.max_pixel_mm = 2.0;
  VolumeSliceSource source({torch::rand({2, 64, 64}) + 0.5, torch::rand({2, 32, 32}) + 0.5}, options, {0.5, 1.0});
  SeededRandom random(5);
  for (int i = 0; i < 10; ++i) {
    const auto size = source.draw(random).size(-1);
    EXPECT_LE(size, 32);
    EXPECT_GE(size, 16);
  }
  EXPECT_THROW(VolumeSliceSource({torch::rand({2, 8, 8})}, options, {0.5, 1.0}), std::invalid_argument);
}

// A card from elsewhere must not make the tool read (and checksum) an arbitrary file.
TEST(ModelCard, ACardNamesOnlyFilesInsideItsOwnFolder) {
  ScratchFolder folder;
  for (const std::string weights : {"../model.pt", "sub/../../model.pt", "/etc/passwd", ""}) {
    std::ofstream(folder / "card.json") << R"({"name": "x", "format": "builtin-unet", "weights": ")" << weights
                                        << R"(", "sha256": "00", "parameterisation": "denoiser", "channels": 1,
      "normalization": {"kind": "fixed", "scale": 1}})";
    try {
      ModelCard::read(folder / "card.json");
      ADD_FAILURE() << "accepted weights '" << weights << "'";
    } catch (const std::runtime_error& error) {
      EXPECT_NE(std::string(error.what()).find("inside the card's own folder"), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace diffrecon
