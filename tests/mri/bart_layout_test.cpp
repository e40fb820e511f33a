#include "mri/bart_layout.h"

#include <gtest/gtest.h>

#include <limits>

namespace diffrecon::mri {
namespace {

TEST(BartLayout, CoilArraysKeepReadoutAsHAndPhaseEncodeAsW) {
  auto bart = torch::arange(2 * 3 * 4, torch::kFloat32).to(torch::kComplexFloat).view({2, 3, 1, 4});
  auto coils = coil_array_from_bart(bart, "k");
  ASSERT_EQ(coils.sizes(), (c10::IntArrayRef{4, 2, 3}));
  EXPECT_EQ(torch::real(coils[3][1][2]).item<float>(), torch::real(bart[1][2][0][3]).item<float>());
  EXPECT_TRUE(torch::equal(coil_array_to_bart(coils), bart));
  EXPECT_THROW(coil_array_from_bart(torch::zeros({2, 3, 2, 4}, torch::kComplexFloat), "3d"), std::invalid_argument);
}

TEST(BartLayout, SlicesBecomeABatchAndComeBack) {
  std::vector<int64_t> dims(16, 1);
  dims[0] = 3;   // X
  dims[1] = 2;   // Y
  dims[3] = 4;   // coils
  dims[10] = 2;  // TIME
  dims[13] = 3;  // SLICE
  auto bart = torch::randn(dims, torch::kComplexFloat);
  auto batch = coil_batch_from_bart(bart, "k");
  ASSERT_EQ(batch.data.sizes(), (c10::IntArrayRef{6, 4, 3, 2}));
  // Batch index = time + 2 * slice (the lower BART dim varies fastest).
  EXPECT_TRUE(torch::equal(batch.data[1 + 2 * 2][3],
                           bart.index({torch::indexing::Slice(), torch::indexing::Slice(), 0, 3, 0, 0, 0, 0, 0, 0, 1,
                                       0, 0, 2}).reshape({3, 2})));
  auto images = batch.data.select(1, 0);  // [B, X, Y]
  auto back = image_batch_to_bart(images, batch.batch_dims);
  auto expected = bart.narrow(3, 0, 1);
  EXPECT_TRUE(torch::equal(back, expected));
  EXPECT_THROW(coil_batch_from_bart(torch::zeros({2, 2, 1, 2, 2}, torch::kComplexFloat), "maps2"), std::invalid_argument);
}

TEST(BartLayout, NonFiniteMultiCoilDataAreRejectedByName) {
  auto data = torch::ones({4, 4, 1, 2}, torch::kComplexFloat);
  data[1][2][0][1] = c10::complex<float>(std::numeric_limits<float>::infinity(), 0.0f);
  try {
    coil_batch_from_bart(data, "k.cfl");
    FAIL() << "accepted an infinite sample";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'k.cfl' holds NaN or infinite values"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace diffrecon::mri
