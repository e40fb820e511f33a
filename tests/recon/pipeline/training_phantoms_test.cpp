// The CT phantom families offered to `ct phantom` and `prior train --phantoms ct-anatomy`: the mix's
// parsing and its choice of family per seed.
#include "recon/pipeline/training_phantoms.h"

#include "core/error.h"
#include "ct/body_phantom.h"

#include <gtest/gtest.h>

namespace diffrecon {
namespace {

TEST(PhantomMix, ParsesThreeNonNegativeWeights) {
  const auto mix = PhantomMix::parse("1,0.5,0");
  EXPECT_DOUBLE_EQ(mix.heads, 1.0);
  EXPECT_DOUBLE_EQ(mix.bodies, 0.5);
  EXPECT_DOUBLE_EQ(mix.ellipses, 0.0);
  for (const char* bad : {"", "1,1", "1,1,1,1", "1,-1,1", "0,0,0", "a,1,1", "1x,1,1", "nan,1,1"})
    EXPECT_THROW(PhantomMix::parse(bad), InputError) << bad;
}

TEST(HeadAtlasFiles, ParsesTwoPaths) {
  const auto files = HeadAtlasFiles::parse("a.nii.gz,b.nii.gz");
  EXPECT_EQ(files.t1, "a.nii.gz");
  EXPECT_EQ(files.brain, "b.nii.gz");
  for (const char* bad : {"", "a.nii.gz", ",b", "a,", "a,b,c"}) EXPECT_THROW(HeadAtlasFiles::parse(bad), InputError) << bad;
}

TEST(PhantomFamilies, TheMixDrawsOnlyTheFamiliesItWeighs) {
  const auto grid = ct::ImageGrid::square(64, 4.0);
  const PhantomMix bodies_only{0.0, 1.0, 0.0};
  for (uint64_t seed = 0; seed < 4; ++seed) {
    const auto body = phantom_hounsfield("mix", seed, grid, nullptr, bodies_only);
    EXPECT_TRUE(torch::equal(body, phantom_hounsfield("body", seed, grid, nullptr))) << seed;
  }
  // Ellipses come out in HU: air -1000 in the corners, the body near water.
  const auto ellipses = phantom_hounsfield("mix", 3, grid, nullptr, {0.0, 0.0, 1.0});
  EXPECT_NEAR(ellipses[0][0].item<double>(), -1000.0, 1e-3);
  EXPECT_NEAR(ellipses[32][32].item<double>(), 0.0, 300.0);
  // A head needs the atlas; an unknown family is named in the error.
  EXPECT_THROW(phantom_hounsfield("mix", 1, grid, nullptr, {1.0, 0.0, 0.0}), InputError);
  EXPECT_THROW(phantom_hounsfield("lungs", 1, grid, nullptr), InputError);
}

}  // namespace
}  // namespace diffrecon
