// The anatomical CT phantoms of issue 20: the painting canvas, random bodies and heads made from a
// (here synthetic) MRI head atlas: determinism per seed, tissue values in their HU ranges, air
// outside, and the checks on their options.
#include "ct/body_phantom.h"
#include "ct/head_phantom.h"
#include "ct/hounsfield_canvas.h"

#include <gtest/gtest.h>

namespace diffrecon::ct {
namespace {

double share(const torch::Tensor& mask) { return mask.to(torch::kFloat64).mean().item<double>(); }

TEST(HounsfieldCanvas, PaintsEllipsesWithPartialVolumesAtTheEdges) {
  const auto grid = ImageGrid::square(64, 1.0);
  HounsfieldCanvas canvas(grid, 4);
  canvas.paint(canvas.ellipse(0.0, 0.0, 20.0, 10.0, 0.0), 100.0);
  const auto image = canvas.image();
  EXPECT_EQ(image.sizes(), (c10::IntArrayRef{64, 64}));
  EXPECT_FLOAT_EQ(image[32][32].item<float>(), 100.0f);                  // inside
  EXPECT_FLOAT_EQ(image[0][0].item<float>(), -1000.0f);                   // background
  // The ellipse's area pi a b in mm^2 is the sum of (HU + 1000) / 1100 over pixels of 1 mm^2.
  const double area = ((image + 1000.0) / 1100.0).sum().item<double>();
  EXPECT_NEAR(area, 3.14159265 * 20.0 * 10.0, 0.01 * 3.14159265 * 200.0);
  // Some edge pixel lies strictly between the two values.
  EXPECT_TRUE(image.gt(-999.0).logical_and(image.lt(99.0)).any().item<bool>());
}

TEST(HounsfieldCanvas, SmoothFieldsAreStandardisedAndSeeded) {
  const auto grid = ImageGrid::square(48, 2.0);
  HounsfieldCanvas canvas(grid, 1);
  PortableUniform a(5), b(5), c(6);
  const auto field = canvas.smooth_field(a, 10.0);
  EXPECT_NEAR(field.mean().item<double>(), 0.0, 1e-5);
  EXPECT_NEAR(field.std().item<double>(), 1.0, 1e-4);
  EXPECT_TRUE(torch::equal(field, canvas.smooth_field(b, 10.0)));
  EXPECT_FALSE(torch::equal(field, canvas.smooth_field(c, 10.0)));
  // Neighbouring pixels 2 mm apart are strongly correlated at a 10 mm correlation length.
  const auto left = field.narrow(1, 0, 47), right = field.narrow(1, 1, 47);
  EXPECT_GT((left * right).mean().item<double>(), 0.8);
}

TEST(RandomBody, IsReproducibleAndEachSeedDiffers) {
  const auto grid = ImageGrid::square(128, 2.0);
  const auto first = random_body_hounsfield(7, grid);
  EXPECT_TRUE(torch::equal(first, random_body_hounsfield(7, grid)));
  EXPECT_FALSE(torch::equal(first, random_body_hounsfield(8, grid)));
}

TEST(RandomBody, HasAirFatSoftTissueAndBoneInTheirRanges) {
  const auto grid = ImageGrid::square(128, 2.0);
  bool saw_lung = false;
  for (uint64_t seed = 0; seed < 6; ++seed) {
    const auto hu = random_body_hounsfield(seed, grid);
    EXPECT_GE(hu.min().item<double>(), -1000.0 - 1e-3) << "seed " << seed;
    EXPECT_LE(hu.max().item<double>(), 1500.0) << "seed " << seed;
    // Nothing outside the disc of the field of view (256 mm): the corners are air.
    EXPECT_FLOAT_EQ(hu[0][0].item<float>(), -1000.0f);
    EXPECT_GT(share(hu.gt(-150.0).logical_and(hu.lt(-50.0))), 0.01) << "fat, seed " << seed;
    EXPECT_GT(share(hu.gt(0.0).logical_and(hu.lt(100.0))), 0.05) << "soft tissue, seed " << seed;
    EXPECT_GT(share(hu.gt(600.0)), 0.0005) << "cortical bone (the vertebra), seed " << seed;
    saw_lung = saw_lung || share(hu.gt(-950.0).logical_and(hu.lt(-700.0))) > 0.05;
  }
  EXPECT_TRUE(saw_lung);  // a thorax among six draws
}

TEST(RandomBody, OptionsAreChecked) {
  RandomBodyOptions options;
  options.thorax_probability = 1.5;
  EXPECT_THROW(options.validate(), std::invalid_argument);
  options = {};
  options.lesions_min = 3, options.lesions_max = 1;
  EXPECT_THROW(random_body_hounsfield(0, ImageGrid::square(32, 8.0), options), std::invalid_argument);
}

// A synthetic T1 head, 1 mm voxels, the same in every axial slice: a 70 mm brain (T1 1.0, ventricles
// 0.4) inside a dark skull (T1 0.3, 70-78 mm) inside bright scalp (T1 1.1, 78-84 mm), in air.
HeadAtlas synthetic_atlas() {
  const int64_t n = 200, depth = 8;
  const auto axis = torch::arange(n, torch::kFloat32) - 0.5f * float(n - 1);
  const auto y = axis.view({1, n, 1}), x = axis.view({1, 1, n});
  const auto radius = torch::sqrt(x * x + y * y).expand({depth, n, n});
  auto t1 = torch::zeros({depth, n, n});
  t1 = torch::where(radius < 84.0f, torch::full_like(t1, 1.1f), t1);
  t1 = torch::where(radius < 78.0f, torch::full_like(t1, 0.3f), t1);
  t1 = torch::where(radius < 70.0f, torch::full_like(t1, 1.0f), t1);
  t1 = torch::where(radius < 12.0f, torch::full_like(t1, 0.4f), t1);
  const auto brain = torch::where(radius < 70.0f, t1, torch::zeros_like(t1));
  return HeadAtlas(t1 * 90.0f, brain * 90.0f, 1.0);
}

TEST(RandomHead, SegmentsTheAtlasIntoBrainSkullAndScalp) {
  const auto atlas = synthetic_atlas();
  EXPECT_FALSE(atlas.slices(0).empty());
  const auto grid = ImageGrid::square(128, 2.0);
  RandomHeadOptions options;
  options.rotation_deg_max = 0, options.shift_mm_max = 0, options.deformation_mm_max = 0;
  options.scale_min = options.scale_max = 1.0;
  options.lesions_max = 0;
  const auto hu = random_head_hounsfield(3, atlas, grid, options);
  EXPECT_TRUE(torch::equal(hu, random_head_hounsfield(3, atlas, grid, options)));
  EXPECT_FALSE(torch::equal(hu, random_head_hounsfield(4, atlas, grid, options)));
  // Along the row through the centre: brain, then skull, then scalp, then air (x in mm from 0).
  const auto row = hu[64];
  auto at_mm = [&](double x) { return row[int64_t(grid.column_of_x(x) + 0.5)].item<double>(); };
  EXPECT_GT(at_mm(40.0), 15.0);   // grey-to-white matter
  EXPECT_LT(at_mm(40.0), 60.0);
  EXPECT_GT(at_mm(74.0), 300.0);  // bone
  EXPECT_GT(at_mm(81.0), -150.0); // scalp: soft tissue or fat
  EXPECT_LT(at_mm(81.0), 80.0);
  EXPECT_FLOAT_EQ(float(at_mm(110.0)), -1000.0f);
}

TEST(RandomHead, RejectsAnAtlasThatDoesNotFit) {
  EXPECT_THROW(HeadAtlas(torch::zeros({4, 4}), torch::zeros({4, 4}), 1.0), std::invalid_argument);
  EXPECT_THROW(HeadAtlas(torch::zeros({8, 8, 8}), torch::zeros({8, 8, 9}), 1.0), std::invalid_argument);
  EXPECT_THROW(HeadAtlas(torch::ones({8, 8, 8}), torch::zeros({8, 8, 8}), 1.0), std::invalid_argument);  // no brain
  RandomHeadOptions options;
  options.scale_min = 0;
  EXPECT_THROW(options.validate(), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon::ct
