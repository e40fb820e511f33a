// Ellipse phantoms: the modified Shepp-Logan values, rasterisation (area, supersampling), exact line
// integrals against an independent formula and a brute-force ray sum, and the random generator's
// determinism and value ranges.
#include "ct/ellipse_phantom.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace diffrecon::ct {
namespace {

constexpr double kPi = 3.14159265358979323846;

double value_at(const EllipsePhantom& phantom, const ImageGrid& grid, const torch::Tensor& image, double x, double y) {
  const auto row = int64_t(std::lround(grid.row_of_y(y))), column = int64_t(std::lround(grid.column_of_x(x)));
  return image.index({row, column}).item<double>();
}

TEST(ImageGrid, PixelCentresAreSymmetricAboutTheCentreWithYUp) {
  ImageGrid grid{4, 6, 0.5, 10.0, -3.0};
  EXPECT_DOUBLE_EQ(grid.x_of_column(0), 10.0 - 1.25);
  EXPECT_DOUBLE_EQ(grid.x_of_column(5), 10.0 + 1.25);
  EXPECT_DOUBLE_EQ(grid.y_of_row(0), -3.0 + 0.75);  // row 0 is the top
  EXPECT_DOUBLE_EQ(grid.y_of_row(3), -3.0 - 0.75);
  EXPECT_DOUBLE_EQ(grid.column_of_x(grid.x_of_column(2.5)), 2.5);
  EXPECT_DOUBLE_EQ(grid.row_of_y(grid.y_of_row(1.25)), 1.25);
  EXPECT_THROW((ImageGrid{0, 4, 1.0}.validate("test")), std::invalid_argument);
  EXPECT_THROW((ImageGrid{4, 4, -1.0}.validate("test")), std::invalid_argument);
}

TEST(ModifiedSheppLogan, RasterHasTheTextbookValuesAndOrientation) {
  const auto phantom = modified_shepp_logan();
  const auto grid = ImageGrid::square(256, 2.0 / 256);
  const auto image = rasterize(phantom, grid);
  EXPECT_EQ(image.sizes(), (c10::IntArrayRef{256, 256}));
  EXPECT_EQ(image.scalar_type(), torch::kFloat32);
  EXPECT_NEAR(value_at(phantom, grid, image, 0.0, 0.0), 0.2, 1e-6);     // brain
  EXPECT_NEAR(value_at(phantom, grid, image, 0.0, 0.35), 0.3, 1e-6);    // ellipse 5, above the centre
  EXPECT_NEAR(value_at(phantom, grid, image, 0.22, 0.0), 0.0, 1e-6);    // right ventricle
  EXPECT_NEAR(value_at(phantom, grid, image, 0.0, -0.905), 1.0, 1e-6);  // skull, bottom
  EXPECT_NEAR(value_at(phantom, grid, image, 0.95, 0.95), 0.0, 1e-6);   // outside
  // y up: the small ellipses near y = -0.6 are in the lower half of the tensor (large row index).
  EXPECT_GT(grid.row_of_y(-0.605), 200.0);
  EXPECT_NEAR(value_at(phantom, grid, image, -0.08, -0.605), 0.3, 1e-6);
}

TEST(ModifiedSheppLogan, ScalesToMillimetresAndAttenuation) {
  const auto phantom = modified_shepp_logan(100.0, 0.1);
  const auto grid = ImageGrid::square(128, 200.0 / 128);
  const auto image = rasterize(phantom, grid, 1, torch::kFloat64);
  EXPECT_NEAR(value_at(phantom, grid, image, 0.0, 0.0), 0.02, 1e-12);
  EXPECT_NEAR(value_at(phantom, grid, image, 0.0, 35.0), 0.03, 1e-12);
  EXPECT_NEAR(phantom.ellipses[0].semi_axis_y_mm, 92.0, 1e-12);
}

TEST(Rasterize, SupersamplingConvergesToTheExactIntegral) {
  // A rotated ellipse whose edges cut pixels at every angle: the pixel sum times the pixel area
  // must approach A * pi * a * b, and supersampling must bring it closer.
  EllipsePhantom phantom{{{0.5, 7.3, 3.1, 0.37, -0.81, 33.0}}};
  const auto grid = ImageGrid::square(32, 0.7);
  const double exact = 0.5 * kPi * 7.3 * 3.1;
  auto error = [&](int supersampling) {
    const auto image = rasterize(phantom, grid, supersampling, torch::kFloat64);
    return std::abs(image.sum().item<double>() * 0.7 * 0.7 - exact) / exact;
  };
  const double coarse = error(1), fine = error(8);
  EXPECT_LT(fine, 0.01);
  EXPECT_LT(fine, coarse);
  // Partial pixels take fractional values only with supersampling.
  const auto smooth = rasterize(phantom, grid, 4, torch::kFloat64);
  const auto partial = ((smooth > 0.01) & (smooth < 0.49)).sum().item<int64_t>();
  EXPECT_GT(partial, 10);
  EXPECT_THROW(rasterize(phantom, grid, 0), std::invalid_argument);
}

// The parallel-beam formula of ct.md 3.1, written independently of line_integral.
double textbook_projection(const EllipsePhantom& phantom, double theta, double s) {
  double total = 0.0;
  for (const auto& e : phantom.ellipses) {
    const double phi = e.rotation_deg * kPi / 180.0;
    const double alpha2 = std::pow(e.semi_axis_x_mm * std::cos(theta - phi), 2) +
                          std::pow(e.semi_axis_y_mm * std::sin(theta - phi), 2);
    const double shifted = s - (e.centre_x_mm * std::cos(theta) + e.centre_y_mm * std::sin(theta));
    if (shifted * shifted <= alpha2) {
      total += 2.0 * e.attenuation_per_mm * e.semi_axis_x_mm * e.semi_axis_y_mm / alpha2 *
               std::sqrt(alpha2 - shifted * shifted);
    }
  }
  return total;
}

TEST(LineIntegral, MatchesTheTextbookParallelBeamFormula) {
  const auto phantom = modified_shepp_logan(128.0, 0.1);
  double largest = 0.0;
  for (int view = 0; view < 37; ++view) {
    const double theta = view * kPi / 36.3;
    for (double s = -130.0; s <= 130.0; s += 3.7) {
      const double expected = textbook_projection(phantom, theta, s);
      EXPECT_NEAR(parallel_line_integral(phantom, theta, s), expected, 1e-10 * (1.0 + std::abs(expected)));
      largest = std::max(largest, expected);
    }
  }
  EXPECT_GT(largest, 1.0);  // the rays did cross the phantom
}

TEST(LineIntegral, MatchesABruteForceRaySumForAnyRay) {
  EllipsePhantom phantom{{{0.02, 40.0, 25.0, 5.0, -3.0, 27.0}, {-0.01, 8.0, 12.0, -10.0, 4.0, -61.0}}};
  const double x = -60.0, y = -50.0, dx = 0.9, dy = 0.7;  // an oblique ray through both
  const double norm = std::hypot(dx, dy);
  double sum = 0.0;
  const double step = 0.001;
  for (double t = 0.0; t < 200.0; t += step) {
    const double px = x + (t + 0.5 * step) * dx / norm, py = y + (t + 0.5 * step) * dy / norm;
    for (const auto& e : phantom.ellipses) {
      const double c = std::cos(e.rotation_deg * kPi / 180.0), s = std::sin(e.rotation_deg * kPi / 180.0);
      const double u = c * (px - e.centre_x_mm) + s * (py - e.centre_y_mm);
      const double v = -s * (px - e.centre_x_mm) + c * (py - e.centre_y_mm);
      if (u * u / (e.semi_axis_x_mm * e.semi_axis_x_mm) + v * v / (e.semi_axis_y_mm * e.semi_axis_y_mm) <= 1.0) {
        sum += e.attenuation_per_mm * step;
      }
    }
  }
  const double exact = line_integral(phantom, x, y, dx * 3.0, dy * 3.0);  // direction length is irrelevant
  EXPECT_GT(exact, 0.5);
  EXPECT_NEAR(exact, sum, 1e-4);
  EXPECT_DOUBLE_EQ(line_integral(phantom, 500.0, 500.0, 1.0, 0.0), 0.0);  // misses
  EXPECT_THROW(line_integral(phantom, 0.0, 0.0, 0.0, 0.0), std::invalid_argument);
}

TEST(RandomEllipsePhantom, SameSeedSameBitsOtherSeedOtherPhantom) {
  const auto a = random_ellipse_phantom(7), b = random_ellipse_phantom(7), c = random_ellipse_phantom(8);
  ASSERT_EQ(a.ellipses.size(), b.ellipses.size());
  for (size_t k = 0; k < a.ellipses.size(); ++k) {
    EXPECT_EQ(a.ellipses[k].attenuation_per_mm, b.ellipses[k].attenuation_per_mm);
    EXPECT_EQ(a.ellipses[k].centre_x_mm, b.ellipses[k].centre_x_mm);
    EXPECT_EQ(a.ellipses[k].rotation_deg, b.ellipses[k].rotation_deg);
  }
  EXPECT_NE(a.ellipses[0].semi_axis_x_mm, c.ellipses[0].semi_axis_x_mm);
}

TEST(RandomEllipsePhantom, ValuesAreRealisticAttenuationsInsideTheFieldOfView) {
  RandomEllipseOptions options;
  const double mu_water = options.mu_water_per_mm;
  const auto grid = ImageGrid::square(128, 2.0);  // 256 mm field of view
  std::set<size_t> counts;
  int lesions = 0;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    const auto phantom = random_ellipse_phantom(seed, options);
    counts.insert(phantom.ellipses.size());
    const auto image = rasterize(phantom, grid, 2, torch::kFloat64);
    EXPECT_GE(image.min().item<double>(), 0.0) << "seed " << seed;
    // Densest possible: body +60 HU, every organ +150 HU on top, one bone +1200 HU.
    EXPECT_LE(image.max().item<double>(), mu_water * (1.0 + (60.0 + 6 * 150.0 + 1200.0) / 1000.0)) << "seed " << seed;
    // Soft tissue dominates: the median of the body pixels is within +-300 HU of water.
    const auto body = image.masked_select(image > 0.0);
    const double median = body.median().item<double>();
    EXPECT_NEAR(median / mu_water, 1.0, 0.3) << "seed " << seed;
    // Nothing outside the disc of diameter field_of_view_mm.
    for (const auto& e : phantom.ellipses) {
      EXPECT_LE(std::hypot(e.centre_x_mm, e.centre_y_mm) + std::max(e.semi_axis_x_mm, e.semi_axis_y_mm),
                options.field_of_view_mm / 2.0 + 1e-9);
      const double contrast_hu = std::abs(e.attenuation_per_mm) / mu_water * 1000.0;
      if (std::max(e.semi_axis_x_mm, e.semi_axis_y_mm) <= options.lesion_radius_mm_max &&
          contrast_hu <= options.lesion_contrast_hu_max + 1e-9) {
        ++lesions;  // small and low-contrast
      }
    }
  }
  EXPECT_GT(counts.size(), 3u);   // the number of structures varies
  EXPECT_GE(lesions, 30);         // at least one lesion per phantom on average
}

TEST(RandomEllipsePhantom, ImageBatchesStackConsecutiveSeeds) {
  const auto grid = ImageGrid::square(48, 5.0);
  const auto batch = random_ellipse_images(20, 3, grid, {}, 2);
  EXPECT_EQ(batch.sizes(), (c10::IntArrayRef{3, 48, 48}));
  EXPECT_TRUE(torch::equal(batch[2], rasterize(random_ellipse_phantom(22), grid, 2)));
  EXPECT_FALSE(torch::equal(batch[0], batch[1]));
  EXPECT_THROW(random_ellipse_images(0, 0, grid), std::invalid_argument);
}

TEST(RandomEllipsePhantom, RejectsInconsistentOptions) {
  RandomEllipseOptions options;
  options.organs_min = 5;
  options.organs_max = 2;
  EXPECT_THROW(random_ellipse_phantom(1, options), std::invalid_argument);
  options = {};
  options.mu_water_per_mm = 0.0;
  EXPECT_THROW(random_ellipse_phantom(1, options), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon::ct
