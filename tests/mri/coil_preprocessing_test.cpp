#include "mri/coil_preprocessing.h"
#include "core/seeded_random.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>
#include <torch/fft.h>

namespace diffrecon::mri {
namespace {

using diffrecon::testing::relative_error;

TEST(NoiseWhitening, CorrelatedNoiseBecomesWhite) {
  SeededRandom random(1);
  auto mixing = random.normal({4, 4}, torch::kComplexDouble) + 2 * torch::eye(4, torch::kComplexDouble);
  auto noise = mixing.matmul(random.normal({4, 20000}, torch::kComplexDouble));  // covariance M M^H
  auto covariance = noise_covariance(noise);
  EXPECT_LT(relative_error(covariance, mixing.matmul(mixing.conj().t())), 0.05);
  auto whitened = apply_coil_matrix(whitening_matrix(covariance), noise);
  EXPECT_LT(relative_error(noise_covariance(whitened), torch::eye(4, torch::kComplexDouble)), 1e-10);
}

TEST(NoiseWhitening, DeadChannelAndTooFewSamplesAreExplained) {
  auto noise = torch::randn({3, 100}, torch::kComplexDouble);
  noise[1].zero_();
  EXPECT_THROW(whitening_matrix(noise_covariance(noise)), std::invalid_argument);
  EXPECT_THROW(noise_covariance(torch::randn({8, 4}, torch::kComplexFloat)), std::invalid_argument);
}

TEST(CoilCompression, DataFromThreeUnderlyingChannelsCompressLosslesslyToThree) {
  SeededRandom random(2);
  auto sources = random.normal({3, 16, 12}, torch::kComplexDouble);
  auto data = apply_coil_matrix(random.normal({8, 3}, torch::kComplexDouble), sources);
  auto fractions = coil_energy_fractions(data);
  EXPECT_NEAR(fractions[2].item<double>(), 1.0, 1e-10);
  EXPECT_LT(fractions[1].item<double>(), 0.99);
  auto compression = coil_compression_matrix(data, 3);
  ASSERT_EQ(compression.sizes(), (c10::IntArrayRef{3, 8}));
  auto compressed = apply_coil_matrix(compression, data);
  // Orthonormal rows: going back loses nothing when all energy is in three virtual coils.
  auto restored = apply_coil_matrix(compression.conj().t(), compressed);
  EXPECT_LT(relative_error(restored, data), 1e-10);
  EXPECT_THROW(coil_compression_matrix(data, 9), std::invalid_argument);
}

TEST(ReadoutOversampling, RemovalEqualsAcquiringTheCroppedImage) {
  SeededRandom random(3);
  const std::vector<int64_t> readout{-2};
  auto centred_fft = [&](const torch::Tensor& x) {
    return torch::fft::fftshift(torch::fft::fftn(torch::fft::ifftshift(x, readout), c10::nullopt, readout, "ortho"), readout);
  };
  auto image = random.normal({2, 8, 5}, torch::kComplexDouble);
  auto oversampled_image = torch::zeros({2, 16, 5}, torch::kComplexDouble);
  oversampled_image.slice(1, 4, 12).copy_(image);  // the object fills the central half of the readout FOV
  auto result = remove_readout_oversampling(centred_fft(oversampled_image), 2);
  ASSERT_EQ(result.sizes(), (c10::IntArrayRef{2, 8, 5}));
  EXPECT_LT(relative_error(result, centred_fft(image)), 1e-12);
  // White noise stays white with the same variance.
  auto noise = remove_readout_oversampling(random.normal({4, 64, 64}, torch::kComplexDouble), 2);
  EXPECT_NEAR(noise.abs().square().mean().item<double>(), 1.0, 0.05);
  EXPECT_THROW(remove_readout_oversampling(torch::zeros({2, 15, 5}, torch::kComplexFloat), 2), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon::mri
