// SenseOperator against the same model built from core parts (mask . FFT . coil), its fast
// normal, and its input checks. Adjoint and autograd checks are in tests/core/operator_adjoint_test.cpp.
#include "mri/sense_operator.h"
#include "core/diagonal_operator.h"
#include "core/fft_operator.h"
#include "core/operator_algebra.h"
#include "core/seeded_random.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>

namespace diffrecon::mri {
namespace {

using testing::on_device;
using testing::relative_error;

TEST(SenseOperator, ForwardAndAdjointMatchTheComposedModel) {
  SeededRandom random(1);
  auto maps = random.normal({3, 9, 7}, on_device(torch::kComplexFloat));
  auto mask = (random.uniform({1, 7}) > 0.4).to(torch::kFloat32).to(testing::test_device());
  SenseOperator sense(maps, mask);
  auto composed = chain({make_mask_operator(mask, {3, 9, 7}),
                         std::make_shared<FFTOperator>(Shape{3, 9, 7}, std::vector<int64_t>{-2, -1})});
  auto x = random.normal({2, 9, 7}, on_device(torch::kComplexFloat));
  auto expected = composed->forward(x.unsqueeze(-3) * maps);
  EXPECT_LT(relative_error(sense.forward(x), expected), 1e-5);
  auto y = random.normal({2, 3, 9, 7}, on_device(torch::kComplexFloat));
  EXPECT_LT(relative_error(sense.adjoint(y), (composed->adjoint(y) * maps.conj()).sum(-3)), 1e-5);
  // Unsampled lines are zero in the forward model.
  auto unsampled = mask.eq(0).expand({9, 7});
  EXPECT_EQ(sense.forward(x).index({torch::indexing::Slice(), torch::indexing::Slice(), unsampled}).abs().max().item<float>(), 0.0f);
}

TEST(SenseOperator, DcSampleOfAConstantImageSitsAtTheCentre) {
  // Centred convention: the DC sample of an 8 x 6 image is at (4, 3).
  auto maps = torch::ones({1, 8, 6}, on_device(torch::kComplexFloat));
  SenseOperator sense(maps);
  auto k = sense.forward(torch::ones({8, 6}, on_device(torch::kComplexFloat)));
  EXPECT_NEAR(k.abs().index({0, 4, 3}).item<float>(), std::sqrt(48.0f), 1e-4);
  EXPECT_NEAR(k.abs().sum().item<float>(), std::sqrt(48.0f), 1e-3);
}

TEST(SenseOperator, NormalIsIdentityForFullSamplingWithNormalisedMaps) {
  SeededRandom random(2);
  auto maps = random.normal({4, 7, 9}, on_device(torch::kComplexDouble));
  maps = maps / maps.abs().square().sum(0, true).sqrt();  // sum_c |s_c|^2 = 1
  SenseOperator sense(maps);
  auto x = random.normal({7, 9}, on_device(torch::kComplexDouble));
  EXPECT_LT(relative_error(sense.normal(x), x), 1e-12);
}

TEST(SenseOperator, FastNormalMatchesAdjointOfForwardForOddSizesAndBatches) {
  SeededRandom random(3);
  auto maps = random.normal({3, 9, 7}, on_device(torch::kComplexDouble));
  auto mask = (random.uniform({9, 7}) > 0.5).to(testing::test_device());
  SenseOperator sense(maps, mask);
  auto x = random.normal({2, 2, 9, 7}, on_device(torch::kComplexDouble));
  EXPECT_LT(relative_error(sense.normal(x), sense.adjoint(sense.forward(x))), 1e-12);
}

// The normal skips the FFT pair along an axis the mask is constant on (lines along either axis) and
// every FFT for a constant mask (all ones: S^H S; all zeros: 0); each must still be A^H A.
TEST(SenseOperator, NormalOfLineAndConstantMasksMatchesAdjointOfForward) {
  SeededRandom random(4);
  auto maps = random.normal({3, 9, 7}, on_device(torch::kComplexDouble));
  auto x = random.normal({2, 9, 7}, on_device(torch::kComplexDouble));
  const auto lines_along_h = (random.uniform({1, 7}) > 0.5).to(torch::kDouble).expand({9, 7});
  const auto lines_along_w = (random.uniform({9, 1}) > 0.5).to(torch::kDouble).expand({9, 7});
  for (const auto& mask : {lines_along_h, lines_along_w, torch::ones({9, 7}, torch::kDouble), torch::zeros({9, 7}, torch::kDouble)}) {
    SenseOperator sense(maps, mask.to(testing::test_device()));
    const auto expected = sense.adjoint(sense.forward(x));
    const auto normal = sense.normal(x);
    if (mask.sum().item<double>() == 0) {
      EXPECT_EQ(normal.abs().max().item<double>(), 0.0);
    } else {
      EXPECT_LT(relative_error(normal, expected), 1e-12);
    }
  }
}

TEST(SenseOperator, InvalidMapsAndMasksAreExplained) {
  auto maps = torch::ones({2, 8, 6}, on_device(torch::kComplexFloat));
  auto message_of = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const OperatorError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(message_of([&] { SenseOperator(torch::ones({8, 6}, torch::kComplexFloat)); }).find("[coils, H, W]"),
            std::string::npos);
  EXPECT_NE(message_of([&] { SenseOperator(maps, torch::ones({1, 7})); }).find("does not broadcast"), std::string::npos);
  EXPECT_NE(message_of([&] { SenseOperator(maps, torch::full({8, 6}, 0.5)); }).find("only 0 and 1"), std::string::npos);
  SenseOperator sense(maps);
  EXPECT_THROW(sense.forward(torch::ones({6, 8}, on_device(torch::kComplexFloat))), OperatorError);
}

}  // namespace
}  // namespace diffrecon::mri
