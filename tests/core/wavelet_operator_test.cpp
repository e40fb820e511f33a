#include "core/seeded_random.h"
#include "core/wavelet_operator.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

using testing::on_device;
using testing::relative_error;

TEST(WaveletOperator, IsUnitaryForEveryDaubechiesFilter) {
  for (const char* name : {"haar", "db2", "db3", "db4"}) {
    WaveletOperator wavelet({32, 24}, name);
    SeededRandom random(1);
    auto x = random.normal({2, 32, 24}, on_device(torch::kComplexDouble));
    auto y = wavelet.forward(x);
    EXPECT_LT(relative_error(wavelet.adjoint(y), x), 1e-10) << name;  // filters given to ~16 digits
    EXPECT_NEAR(y.abs().square().sum().item<double>(), x.abs().square().sum().item<double>(),
                1e-9 * x.abs().square().sum().item<double>())
        << name;
  }
}

TEST(WaveletOperator, ConstantImageHasOnlyTheCoarsestApproximationCoefficients) {
  WaveletOperator wavelet({16, 16}, "db4", 2);
  auto y = wavelet.forward(torch::ones({16, 16}, on_device(torch::kFloat64)));
  // The approximation band of two levels is the leading 4 x 4 block, each sqrt(16 * 16 / 16) = 4.
  auto approximation = y.slice(0, 0, 4).slice(1, 0, 4);
  EXPECT_LT((approximation - 4).abs().max().item<double>(), 1e-12);
  EXPECT_LT(y.abs().sum().item<double>() - approximation.abs().sum().item<double>(), 1e-10);
}

TEST(WaveletOperator, SmoothImagesAreSparserWithLongerFilters) {
  // Daubechies-N annihilates polynomials of degree < N: a smooth (periodic, as the transform is)
  // image has smaller detail coefficients with db4 than with Haar.
  auto t = torch::arange(64, on_device(torch::kFloat64)) * (2 * M_PI / 64);
  auto image = torch::sin(t).unsqueeze(1) * torch::cos(2.0 * t).unsqueeze(0);
  auto detail_energy = [&](const char* name) {
    auto y = WaveletOperator({64, 64}, name, 1).forward(image);
    return y.square().sum().item<double>() - y.slice(0, 0, 32).slice(1, 0, 32).square().sum().item<double>();
  };
  EXPECT_LT(detail_energy("db4"), detail_energy("haar"));
}

TEST(WaveletOperator, BadSizesAndNamesAreExplained) {
  EXPECT_THROW(WaveletOperator({12, 12}, "db4", 3), OperatorError);
  EXPECT_THROW(WaveletOperator({16, 16}, "sym4"), OperatorError);
}

TEST(WaveletLayout, KeepsTheCoarsestBandAtLeastSixteenSamplesAsBartDoes) {
  // 256: 256 -> 128 -> 64 -> 32 -> 16 -> 8, five halvings (BART's pics: five too, coarsest 10 with its
  // longer symmetric bands).
  auto square = wavelet_layout_for({256, 256});
  EXPECT_EQ(square.levels, 5);
  EXPECT_EQ(square.padded, (Shape{256, 256}));
  // The Colin27 / BrainWeb grid, 181 x 217: four halvings each (181 -> 91 -> 46 -> 23 -> 12), extended to
  // the next multiples of 16.
  auto atlas = wavelet_layout_for({181, 217});
  EXPECT_EQ(atlas.levels, 4);
  EXPECT_EQ(atlas.padded, (Shape{192, 224}));
  EXPECT_EQ(wavelet_layout_for({512, 512}).levels, 6);   // no fixed cap: larger images get more levels
  // The fewest halvings of any dim set the count (64: three), and the batch dim is untouched.
  EXPECT_EQ(wavelet_layout_for({3, 64, 100}).padded, (Shape{3, 64, 104}));
  auto tiny = wavelet_layout_for({9, 12});
  EXPECT_EQ(tiny.levels, 1);
  EXPECT_EQ(tiny.padded, (Shape{10, 12}));
  // The padded shape is always one the transform accepts.
  EXPECT_NO_THROW(WaveletOperator(atlas.padded, "db4", atlas.levels));
}

}  // namespace
}  // namespace diffrecon
