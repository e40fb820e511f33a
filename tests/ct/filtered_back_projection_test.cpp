// FBP: values in 1/mm (a uniform disc within 1 % for every filter and geometry, the modified
// Shepp-Logan ROIs of reference ct.md section 1), detector offsets and off-centre grids, Parker
// weights summing to one over conjugate rays, clear errors; Hounsfield conversion.
#include "ct/filtered_back_projection.h"

#include "ct/angular_weights.h"
#include "ct/hounsfield.h"
#include "ct/parker_weights.h"

#include <gtest/gtest.h>
#include <torch/fft.h>

#include <algorithm>
#include <cmath>

namespace diffrecon::ct {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Mean of the image over the disc of radius r (mm) around (cx, cy).
double disc_mean(const torch::Tensor& image, const ImageGrid& grid, double cx, double cy, double r) {
  double sum = 0.0;
  int64_t count = 0;
  const auto values = image.to(torch::kFloat64).contiguous();
  const double* data = values.data_ptr<double>();
  for (int64_t i = 0; i < grid.rows; ++i) {
    for (int64_t j = 0; j < grid.columns; ++j) {
      if (std::hypot(grid.x_of_column(double(j)) - cx, grid.y_of_row(double(i)) - cy) <= r) {
        sum += data[i * grid.columns + j];
        ++count;
      }
    }
  }
  return sum / double(count);
}

const EllipsePhantom kDisc{{{0.02, 80.0, 80.0, 6.0, -4.0, 0.0}}};

void expect_disc_recovered(const ProjectionGeometry& geometry, const ImageGrid& grid, RampFilter filter) {
  const auto sinogram = analytic_sinogram(kDisc, geometry);
  const auto image = filtered_back_projection(sinogram, geometry, grid, {filter});
  EXPECT_EQ(image.sizes(), (c10::IntArrayRef{grid.rows, grid.columns}));
  const double inside = disc_mean(image, grid, 6.0, -4.0, 60.0);
  EXPECT_NEAR(inside, 0.02, 0.0002) << describe(geometry) << " " << ramp_filter_name(filter);
  // Outside the disc (a ring clear of its edge blur) the image is ~0.
  const double outside = disc_mean(image, grid, 6.0, -4.0, 120.0) * 120.0 * 120.0 -
                         disc_mean(image, grid, 6.0, -4.0, 95.0) * 95.0 * 95.0;
  EXPECT_NEAR(outside / (120.0 * 120.0 - 95.0 * 95.0), 0.0, 0.0004) << describe(geometry) << " " << ramp_filter_name(filter);
}

TEST(FilteredBackProjection, UniformDiscReconstructsItsAttenuationForEveryFilterAndGeometry) {
  const ImageGrid grid{128, 128, 2.0, 3.0, -1.0};
  auto parallel = ParallelBeamGeometry::uniform(180, 200, 1.5);
  parallel.detector_offset_mm = 0.6;
  auto flat = FanBeamGeometry::full_scan(240, 200, 2.5, 500.0, 1000.0, DetectorShape::Flat);
  flat.detector_offset_mm = 1.7;
  const auto curved = FanBeamGeometry::full_scan(240, 200, 2.5, 500.0, 1000.0, DetectorShape::Curved);
  const auto flat_short = FanBeamGeometry::short_scan(160, 200, 2.5, 500.0, 1000.0, DetectorShape::Flat);
  auto curved_short = FanBeamGeometry::short_scan(160, 200, 2.5, 500.0, 1000.0, DetectorShape::Curved);
  curved_short.detector_offset_mm = 20.0;  // asymmetric fan: the short scan widens with it
  curved_short.angles_deg = curved_short.short_scan_angles_deg(160);
  for (auto filter : {RampFilter::RamLak, RampFilter::SheppLogan, RampFilter::Cosine, RampFilter::Hann}) {
    expect_disc_recovered(parallel, grid, filter);
  }
  for (const ProjectionGeometry& geometry : {ProjectionGeometry(flat), ProjectionGeometry(curved),
                                             ProjectionGeometry(flat_short), ProjectionGeometry(curved_short)}) {
    expect_disc_recovered(geometry, grid, RampFilter::RamLak);
    expect_disc_recovered(geometry, grid, RampFilter::Hann);
  }
}

TEST(FilteredBackProjection, SheppLoganGoldenValuesFrom720AnalyticViews) {
  // Reference ct.md: 720 views, 367 bins, detector spacing = pixel size, Ram-Lak: ROI means 0.2998
  // (truth 0.3) and ~0 in the ventricle. Here the textbook phantom is scaled to 128 mm.
  const auto phantom = modified_shepp_logan(128.0, 1.0);
  const auto grid = ImageGrid::square(256, 1.0);
  const auto geometry = ParallelBeamGeometry::uniform(720, 367, 1.0);
  const auto image = filtered_back_projection(analytic_sinogram(phantom, geometry), geometry, grid);
  EXPECT_NEAR(disc_mean(image, grid, 0.0, 0.35 * 128.0, 12.0), 0.3, 0.003);
  EXPECT_NEAR(disc_mean(image, grid, 0.0, 92.0, 8.0), 0.2, 0.003);  // brain between ellipse 5 and the skull
  EXPECT_NEAR(disc_mean(image, grid, 0.22 * 128.0, 0.0, 8.0), 0.0, 0.003);
}

TEST(AngularWeights, EvenSpacingGivesPiOverNAndIrregularSpacingFollowsTheGaps) {
  std::vector<double> even, full_turn, uneven;
  for (int v = 0; v < 60; ++v) even.push_back(v * kPi / 60.0);
  for (int v = 0; v < 90; ++v) full_turn.push_back(v * 2.0 * kPi / 90.0);
  for (int v = 0; v < 40; ++v) uneven.push_back(v < 20 ? v * 0.025 : 0.5 + (v - 20) * 0.05);  // 0.025 then 0.05 rad apart
  for (double w : circular_angular_weights(even, kPi)) EXPECT_NEAR(w, kPi / 60.0, 1e-12);
  for (double w : circular_angular_weights(full_turn, kPi)) EXPECT_NEAR(w, kPi / 90.0, 1e-12);  // lines seen twice
  for (double w : circular_angular_weights(full_turn, 2.0 * kPi)) EXPECT_NEAR(w, 2.0 * kPi / 90.0, 1e-12);
  const auto weights = circular_angular_weights(uneven, kPi);
  EXPECT_NEAR(weights[10], 0.025, 1e-12);
  EXPECT_NEAR(weights[30], 0.05, 1e-12);
  // Views 0..39 span [0, 1.45]; the wedge (1.45, pi) is missing: its gap counts as 3 x the median (0.05).
  EXPECT_NEAR(weights[39], 0.5 * (0.05 + 0.15), 1e-12);
  EXPECT_NEAR(weights[0], 0.5 * (0.15 + 0.025), 1e-12);
  const auto open = open_angular_weights({0.0, 0.1, 0.2, 0.4});
  EXPECT_NEAR(open[0], 0.05, 1e-12);
  EXPECT_NEAR(open[1], 0.1, 1e-12);
  EXPECT_NEAR(open[2], 0.15, 1e-12);
  EXPECT_NEAR(open[3], 0.1, 1e-12);
  EXPECT_NEAR(open_angular_weights({0.0, 0.1, 0.2, 1.2})[3], 0.15, 1e-12);  // gap 1.0 capped at 3 x 0.1
}

TEST(FilteredBackProjection, IrregularAnglesAreWeightedByTheirSpacing) {
  // Views twice as dense over [0, 90) degrees as over [90, 180): with pi/N for every view the dense
  // half would count double; angular weights keep the Shepp-Logan ROIs right.
  const auto phantom = modified_shepp_logan(128.0, 1.0);
  const auto grid = ImageGrid::square(128, 2.0);
  ParallelBeamGeometry geometry;
  geometry.detector_count = 200;
  geometry.detector_spacing_mm = 1.5;
  for (int v = 0; v < 240; ++v) geometry.angles_deg.push_back(v < 160 ? v * 90.0 / 160.0 : 90.0 + (v - 160) * 90.0 / 80.0);
  const auto image = filtered_back_projection(analytic_sinogram(phantom, geometry), geometry, grid);
  EXPECT_NEAR(disc_mean(image, grid, 0.0, 0.35 * 128.0, 12.0), 0.3, 0.004);
  EXPECT_NEAR(disc_mean(image, grid, 0.0, 92.0, 8.0), 0.2, 0.004);
  EXPECT_NEAR(disc_mean(image, grid, 0.22 * 128.0, 0.0, 8.0), 0.0, 0.004);
}

TEST(FilteredBackProjection, BatchesAndRejectsWrongShapes) {
  const auto geometry = ParallelBeamGeometry::uniform(30, 50, 2.0);
  const auto grid = ImageGrid::square(32, 2.5);
  const auto one = analytic_sinogram(kDisc, geometry);
  const auto batch = torch::stack({one, 2.0 * one});
  const auto images = filtered_back_projection(batch, geometry, grid, {RampFilter::Cosine});
  EXPECT_EQ(images.sizes(), (c10::IntArrayRef{2, 32, 32}));
  EXPECT_LT((images[1] - 2.0 * filtered_back_projection(one, geometry, grid, {RampFilter::Cosine})).abs().max().item<float>(),
            1e-6);
  EXPECT_THROW(filtered_back_projection(one.t(), geometry, grid), std::invalid_argument);
}

TEST(RampFilter, ParsesTheDocumentedNames) {
  EXPECT_EQ(parse_ramp_filter("ram-lak"), RampFilter::RamLak);
  EXPECT_EQ(parse_ramp_filter("shepp-logan"), RampFilter::SheppLogan);
  EXPECT_EQ(parse_ramp_filter("cosine"), RampFilter::Cosine);
  EXPECT_EQ(parse_ramp_filter("hann"), RampFilter::Hann);
  EXPECT_THROW(parse_ramp_filter("hamming"), std::invalid_argument);
  EXPECT_EQ(padded_filter_length(367), 1024);
  EXPECT_EQ(padded_filter_length(10), 64);
}

TEST(RampFilter, ConstantProjectionsFilterToZeroAwayFromTheEdges) {
  // The ramp removes DC: a long constant row filters to ~0 in its middle.
  const auto row = torch::ones({1, 301}, torch::kFloat64);
  const auto filtered = ramp_filter(row, 1.0, RampFilter::RamLak);
  EXPECT_LT(filtered.index({0, 150}).abs().item<double>(), 1e-2 * 0.25);
}

TEST(RampFilter, CutoffRemovesFrequenciesAboveIt) {
  auto impulse = torch::zeros({1, 128}, torch::kFloat64);
  impulse.index_put_({0, 64}, 1.0);
  const auto full = ramp_filter(impulse, 1.0, RampFilter::RamLak);
  const auto half = ramp_filter(impulse, 1.0, RampFilter::RamLak, DetectorSampling::EvenInLength, 0.5);
  const auto spectrum = [](const torch::Tensor& t) { return torch::fft::rfft(t, 256, -1).abs()[0]; };
  // rfft bins of 256 samples: bin b is b/256 cycles per sample; the cutoff 0.5 keeps f <= 0.25 (bin 64).
  EXPECT_LT(spectrum(half).slice(0, 72).max().item<double>(), 0.05 * spectrum(full).slice(0, 72).max().item<double>());
  EXPECT_NEAR(spectrum(half)[20].item<double>(), spectrum(full)[20].item<double>(),
              0.05 * spectrum(full)[20].item<double>());
  EXPECT_THROW(ramp_filter(impulse, 1.0, RampFilter::RamLak, DetectorSampling::EvenInLength, 1.5), std::invalid_argument);
}

TEST(FilteredBackProjection, AutomaticCutoffMatchesThePixelSizeAndRemovesMoire) {
  const ImageGrid grid = ImageGrid::square(96, 2.0);
  const auto fine = ParallelBeamGeometry::uniform(180, 800, 0.4);  // detector 5 x finer than the pixels
  EXPECT_DOUBLE_EQ(resolved_frequency_cutoff({}, fine, grid), 0.2);
  EXPECT_DOUBLE_EQ(resolved_frequency_cutoff({}, ParallelBeamGeometry::uniform(10, 100, 3.0), grid), 1.0);
  EXPECT_DOUBLE_EQ(resolved_frequency_cutoff({}, FanBeamGeometry::full_scan(10, 100, 2.5, 500.0, 1000.0), grid), 0.625);
  EXPECT_DOUBLE_EQ(resolved_frequency_cutoff({RampFilter::Hann, 0.5}, fine, grid), 0.5);
  EXPECT_THROW(resolved_frequency_cutoff({RampFilter::Hann, 1.5}, fine, grid), std::invalid_argument);
  // The background around a disc: aliasing of the unrepresentable frequencies shows as a pattern.
  const auto sinogram = analytic_sinogram(kDisc, fine);
  auto background_spread = [&](double cutoff) {
    const auto image = filtered_back_projection(sinogram, fine, grid, {RampFilter::RamLak, cutoff});
    std::vector<double> values;
    for (int64_t i = 0; i < grid.rows; ++i) {
      for (int64_t j = 0; j < grid.columns; ++j) {
        const double r = std::hypot(grid.x_of_column(double(j)) - 6.0, grid.y_of_row(double(i)) + 4.0);
        if (r > 90.0) values.push_back(image.index({i, j}).item<double>());
      }
    }
    const auto t = torch::tensor(values, torch::kFloat64);
    return t.std().item<double>();
  };
  EXPECT_LT(background_spread(0.0), 0.5 * background_spread(1.0));
  const auto image = filtered_back_projection(sinogram, fine, grid);
  EXPECT_NEAR(disc_mean(image, grid, 6.0, -4.0, 60.0), 0.02, 0.0002);
}

TEST(ParkerWeights, ConjugateRaysSumToOne) {
  const double delta = 0.3;
  for (double gamma = -0.29; gamma <= 0.29; gamma += 0.037) {
    for (double beta = 0.0; beta <= kPi + 2.0 * delta; beta += 0.013) {
      const double conjugate_beta = beta + kPi - 2.0 * gamma;
      // The conjugate may fall outside [0, pi + 2 delta]; then this ray must carry the line alone.
      const double sum = parker_weight(beta, gamma, delta) + parker_weight(conjugate_beta, -gamma, delta) +
                         parker_weight(beta - kPi - 2.0 * gamma, -gamma, delta);
      EXPECT_NEAR(sum, 1.0, 1e-12) << "beta " << beta << " gamma " << gamma;
    }
  }
  EXPECT_DOUBLE_EQ(parker_weight(0.0, 0.1, delta), 0.0);
  EXPECT_DOUBLE_EQ(parker_weight(kPi + 2.0 * delta, 0.1, delta), 0.0);
}

TEST(ParkerWeights, RejectTooShortScans) {
  auto geometry = FanBeamGeometry::short_scan(100, 200, 2.5, 500.0, 1000.0);
  EXPECT_NO_THROW(parker_weights(geometry));
  auto reversed = geometry;
  std::reverse(reversed.angles_deg.begin(), reversed.angles_deg.end());
  EXPECT_THROW(parker_weights(reversed), std::invalid_argument);
  for (auto& angle : geometry.angles_deg) angle *= 0.9;
  EXPECT_THROW(parker_weights(geometry), std::invalid_argument);
}

TEST(Hounsfield, WaterIsZeroAirIsMinusThousandAndTheInverseRoundTrips) {
  const auto mu = torch::tensor({0.0, 0.0192, 0.0384}, torch::kFloat64);
  const auto hu = attenuation_to_hounsfield(mu);
  EXPECT_NEAR(hu[0].item<double>(), -1000.0, 1e-9);
  EXPECT_NEAR(hu[1].item<double>(), 0.0, 1e-9);
  EXPECT_NEAR(hu[2].item<double>(), 1000.0, 1e-9);
  EXPECT_TRUE(torch::allclose(hounsfield_to_attenuation(hu), mu));
  EXPECT_NEAR(attenuation_to_hounsfield(torch::tensor({0.02}, torch::kFloat64), 0.02, 0.0002)[0].item<double>(), 0.0, 1e-9);
  EXPECT_THROW(attenuation_to_hounsfield(mu, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace diffrecon::ct
