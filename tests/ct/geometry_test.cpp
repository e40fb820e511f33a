// Scan geometries: ray conventions (fan rays are the parallel lines theta = beta - gamma,
// s = R sin gamma; flat and curved detectors put element u where they should), short-scan range,
// the geometry JSON file (round trip, every documented form, clear errors) and the sinogram shape check.
#include "ct/geometry_json.h"
#include "ct/projection_geometry.h"

#include <gtest/gtest.h>

#include <cmath>

namespace diffrecon::ct {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Distance from point (qx, qy) to the line of `ray`.
double distance_to_line(const Ray& ray, double qx, double qy) {
  return std::abs((qx - ray.x_mm) * ray.direction_y - (qy - ray.y_mm) * ray.direction_x);
}

TEST(ParallelBeamGeometry, RaysAreTheLinesXCosThetaPlusYSinThetaEqualsU) {
  auto geometry = ParallelBeamGeometry::uniform(4, 5, 2.0);
  geometry.detector_offset_mm = 0.5;
  EXPECT_DOUBLE_EQ(geometry.angles_deg[1], 45.0);
  const auto all = rays(geometry);
  ASSERT_EQ(all.size(), 20u);
  for (int64_t v = 0; v < 4; ++v) {
    const double theta = geometry.angles_deg[v] * kPi / 180.0;
    for (int64_t k = 0; k < 5; ++k) {
      const Ray& ray = all[v * 5 + k];
      const double u = (k - 2) * 2.0 + 0.5;
      EXPECT_NEAR(ray.x_mm * std::cos(theta) + ray.y_mm * std::sin(theta), u, 1e-12);
      EXPECT_NEAR(ray.direction_x * std::cos(theta) + ray.direction_y * std::sin(theta), 0.0, 1e-12);
    }
  }
}

TEST(FanBeamGeometry, FlatAndCurvedDetectorsPutElementUWhereTheySayAndMapToParallelLines) {
  for (auto shape : {DetectorShape::Flat, DetectorShape::Curved}) {
    auto geometry = FanBeamGeometry::full_scan(5, 9, 7.0, 300.0, 550.0, shape);
    geometry.detector_offset_mm = 1.5;
    const auto all = rays(geometry);
    const auto phantom = modified_shepp_logan(100.0, 0.02);
    for (int64_t v = 0; v < 5; ++v) {
      const double beta = geometry.angles_deg[v] * kPi / 180.0;
      const double sx = 300.0 * std::sin(beta), sy = -300.0 * std::cos(beta);  // source
      const double cx = -std::sin(beta), cy = std::cos(beta);                   // central ray
      const double ax = std::cos(beta), ay = std::sin(beta);                    // detector axis
      for (int64_t k = 0; k < 9; ++k) {
        const Ray& ray = all[v * 9 + k];
        const double u = geometry.detector_position_mm(double(k));
        EXPECT_NEAR(ray.x_mm, sx, 1e-9);
        EXPECT_NEAR(ray.y_mm, sy, 1e-9);
        // The element's position on the detector lies on its ray.
        double px, py;
        if (shape == DetectorShape::Flat) {
          px = sx + 550.0 * cx + u * ax;
          py = sy + 550.0 * cy + u * ay;
        } else {
          const double gamma = u / 550.0;
          px = sx + 550.0 * (std::cos(gamma) * cx + std::sin(gamma) * ax);
          py = sy + 550.0 * (std::cos(gamma) * cy + std::sin(gamma) * ay);
        }
        EXPECT_LT(distance_to_line(ray, px, py), 1e-9);
        // ... and is the parallel-beam line theta = beta - gamma, s = R sin(gamma).
        const double gamma = geometry.fan_angle_rad(u);
        EXPECT_NEAR(line_integral(phantom, ray.x_mm, ray.y_mm, ray.direction_x, ray.direction_y),
                    parallel_line_integral(phantom, beta - gamma, 300.0 * std::sin(gamma)), 1e-10);
      }
    }
  }
}

TEST(FanBeamGeometry, ShortScanCoversHalfATurnPlusTheFanAngle) {
  const auto geometry = FanBeamGeometry::short_scan(101, 200, 1.0, 400.0, 800.0, DetectorShape::Flat);
  const double gamma_max = std::atan(99.5 / 800.0);
  EXPECT_NEAR(geometry.fan_half_angle_rad(), gamma_max, 1e-12);
  EXPECT_DOUBLE_EQ(geometry.angles_deg.front(), 0.0);
  EXPECT_NEAR(geometry.angles_deg.back(), 180.0 + 2.0 * gamma_max * 180.0 / kPi, 1e-9);
  EXPECT_TRUE(geometry.is_short_scan());
  EXPECT_FALSE(FanBeamGeometry::full_scan(90, 10, 1.0, 400.0, 800.0).is_short_scan());
  EXPECT_NEAR(FanBeamGeometry::full_scan(90, 10, 1.0, 400.0, 800.0).magnification(), 2.0, 1e-15);
}

TEST(FanBeamGeometry, RejectsImpossibleDistances) {
  EXPECT_THROW(FanBeamGeometry::full_scan(10, 10, 1.0, 400.0, 300.0), std::invalid_argument);
  EXPECT_THROW(FanBeamGeometry::full_scan(10, 10, 1.0, -1.0, 300.0), std::invalid_argument);
  EXPECT_THROW(FanBeamGeometry::full_scan(10, 0, 1.0, 400.0, 800.0), std::invalid_argument);
  EXPECT_THROW(ParallelBeamGeometry::uniform(10, 10, 0.0), std::invalid_argument);
}

TEST(AnalyticSinogram, DetectorSamplingAveragesAcrossTheElement) {
  EllipsePhantom disc{{{0.02, 50.0, 50.0, 0.0, 0.0, 0.0}}};
  const auto geometry = ParallelBeamGeometry::uniform(3, 101, 1.0);
  const auto centre = analytic_sinogram(disc, geometry, 1, torch::kFloat64);
  const auto averaged = analytic_sinogram(disc, geometry, 64, torch::kFloat64);
  EXPECT_NEAR(centre.index({0, 50}).item<double>(), 2.0, 1e-12);  // 2 r mu through the centre
  // Across element k the chord 2 sqrt(r^2 - u^2) is concave: the mean is below the centre value.
  EXPECT_LT(averaged.index({0, 70}).item<double>(), centre.index({0, 70}).item<double>());
  EXPECT_NEAR(averaged.index({0, 70}).item<double>(), centre.index({0, 70}).item<double>(), 1e-4);
  // Total mass per view = mu * area, whatever the angle.
  for (int64_t v = 0; v < 3; ++v) EXPECT_NEAR(averaged[v].sum().item<double>(), 0.02 * kPi * 2500.0, 1e-3);
}

TEST(SinogramShape, WrongShapeNamesWhatWasExpected) {
  const auto geometry = ParallelBeamGeometry::uniform(60, 367, 1.0);
  EXPECT_NO_THROW(check_sinogram_shape(torch::zeros({2, 60, 367}), geometry, "sinogram"));
  try {
    check_sinogram_shape(torch::zeros({367, 60}), geometry, "sinogram 'y.nii.gz'");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("sinogram 'y.nii.gz' has shape [367, 60]"), std::string::npos) << message;
    EXPECT_NE(message.find("[..., 60 views, 367 detectors]"), std::string::npos) << message;
  }
}

TEST(GeometryJson, ExplicitFilesRoundTripExactly) {
  auto fan = FanBeamGeometry::short_scan(17, 33, 1.3, 410.0, 790.5, DetectorShape::Curved);
  fan.detector_offset_mm = -0.25;
  auto parallel = ParallelBeamGeometry::uniform(7, 21, 0.7, 180.0, 0.1);
  for (const ProjectionGeometry& projection : {ProjectionGeometry(fan), ProjectionGeometry(parallel)}) {
    CtGeometry original{projection, ImageGrid{30, 40, 0.8, 1.5, -2.25}};
    const auto text = geometry_to_json(original);
    const auto back = parse_geometry_json(text, "<text>");
    EXPECT_EQ(back.image, original.image);
    EXPECT_EQ(back.projection.index(), original.projection.index());
    EXPECT_EQ(geometry_to_json(back), text);
    std::visit([&](const auto& g) {
      using G = std::decay_t<decltype(g)>;
      const auto& h = std::get<G>(back.projection);
      EXPECT_EQ(g.angles_deg, h.angles_deg);
      EXPECT_EQ(g.detector_offset_mm, h.detector_offset_mm);
    }, original.projection);
  }
  const auto back = std::get<FanBeamGeometry>(parse_geometry_json(geometry_to_json({fan, ImageGrid{}}), "x").projection);
  EXPECT_EQ(back.detector_shape, DetectorShape::Curved);
  EXPECT_EQ(back.source_to_detector_mm, 790.5);
}

TEST(GeometryJson, ShortScanRangeIncludesTheDetectorOffset) {
  // An offset detector widens the fan on one side; the short scan must cover 180 + 2 x that.
  const auto scan = parse_geometry_json(R"({"beam": "fan", "views": 50, "scan": "short",
      "detector": {"count": 100, "spacing_mm": 2.0, "offset_mm": 30.0},
      "source_to_isocentre_mm": 500, "source_to_detector_mm": 1000,
      "image": {"rows": 64, "columns": 64, "pixel_size_mm": 2.0}})", "s");
  const auto& g = std::get<FanBeamGeometry>(scan.projection);
  const double gamma_max = std::atan((49.5 * 2.0 + 30.0) / 1000.0);
  EXPECT_NEAR(g.fan_half_angle_rad(), gamma_max, 1e-12);
  EXPECT_NEAR(g.angles_deg.back(), 180.0 + 2.0 * gamma_max * 180.0 / kPi, 1e-9);
}

TEST(GeometryJson, EvenlySpacedAndShortScanForms) {
  const auto parallel = parse_geometry_json(R"({"beam": "parallel", "views": 60,
      "detector": {"count": 367, "spacing_mm": 1.0}, "image": {"rows": 256, "columns": 256, "pixel_size_mm": 1.0}})", "p");
  const auto& p = std::get<ParallelBeamGeometry>(parallel.projection);
  EXPECT_EQ(p.view_count(), 60);
  EXPECT_DOUBLE_EQ(p.angles_deg[1], 3.0);
  EXPECT_EQ(p.detector_count, 367);
  EXPECT_EQ(parallel.image.rows, 256);

  const auto fan = parse_geometry_json(R"({"beam": "fan", "views": 90, "start_angle_deg": 10,
      "detector": {"count": 100, "spacing_mm": 2.0, "shape": "curved"},
      "source_to_isocentre_mm": 500, "source_to_detector_mm": 1000,
      "image": {"rows": 64, "columns": 64, "pixel_size_mm": 2.0}})", "f");
  const auto& f = std::get<FanBeamGeometry>(fan.projection);
  EXPECT_DOUBLE_EQ(f.angles_deg[0], 10.0);
  EXPECT_DOUBLE_EQ(f.angles_deg[1], 14.0);  // 360 / 90
  EXPECT_EQ(f.detector_shape, DetectorShape::Curved);

  const auto short_scan = parse_geometry_json(R"({"beam": "fan", "views": 50, "scan": "short",
      "detector": {"count": 100, "spacing_mm": 2.0},
      "source_to_isocentre_mm": 500, "source_to_detector_mm": 1000,
      "image": {"rows": 64, "columns": 64, "pixel_size_mm": 2.0}})", "s");
  const auto& s = std::get<FanBeamGeometry>(short_scan.projection);
  EXPECT_TRUE(s.is_short_scan());
  EXPECT_NEAR(s.angles_deg.back(), 180.0 + 2.0 * s.fan_half_angle_rad() * 180.0 / kPi, 1e-9);
}

void expect_error(const std::string& text, const std::string& fragment) {
  try {
    parse_geometry_json(text, "geometry.json");
    ADD_FAILURE() << "no error for " << text;
  } catch (const GeometryFileError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("geometry.json", 0), 0u) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message;
  }
}

TEST(GeometryJson, BadFilesGiveOneClearMessage) {
  const std::string image = R"("image": {"rows": 8, "columns": 8, "pixel_size_mm": 1})";
  const std::string detector = R"("detector": {"count": 10, "spacing_mm": 1})";
  expect_error("{", "not valid JSON");
  expect_error(R"({"beam": "cone", )" + detector + ", " + image + "}", "'beam' must be");
  expect_error(R"({"beam": "parallel", "views": 4, "detecter": {}, )" + image + "}", "unknown key 'detecter'");
  expect_error(R"({"beam": "parallel", "views": 4, )" + image + "}", "missing 'detector'");
  expect_error(R"({"beam": "parallel", )" + detector + ", " + image + "}", "give the angles");
  expect_error(R"({"beam": "parallel", "views": 4, "angles_deg": [0], )" + detector + ", " + image + "}", "not both");
  expect_error(R"({"beam": "fan", "views": 4, )" + detector + ", " + image + "}", "source_to_isocentre_mm");
  expect_error(R"({"beam": "parallel", "views": 4, "detector": {"count": 10, "spacing_mm": "1"}, )" + image + "}",
               "'spacing_mm' must be a number");
  expect_error(R"({"beam": "parallel", "views": 4, "detector": {"count": 10, "spacing_mm": 1, "shape": "curved"}, )" +
                   image + "}", "flat");
  expect_error(R"({"beam": "parallel", "views": 4, )" + detector + "}", "missing 'image'");
  expect_error(R"({"beam": "parallel", "views": 4, )" + detector + R"(, "image": {"rows": 8, "columns": 8, "pixel_size_mm": -1}})",
               "pixel size");
  expect_error(R"({"beam": "fan", "views": 4, "source_to_isocentre_mm": 500, "source_to_detector_mm": 100, )" + detector +
                   ", " + image + "}", "source_to_detector_mm > source_to_isocentre_mm");
  EXPECT_THROW(read_geometry_json("/nonexistent/geometry.json"), GeometryFileError);
}

}  // namespace
}  // namespace diffrecon::ct
