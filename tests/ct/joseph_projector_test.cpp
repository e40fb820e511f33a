// The Joseph projector: exact transpose (float64 dot-product test below 1e-6 for every geometry),
// exact column sums at theta = 0, agreement with the analytic line integrals of ellipse phantoms
// that improves with resolution (parallel and fan beam, flat and curved), batches, determinism,
// autograd, and clear errors.
#include "ct/joseph_projector.h"

#include "core/operator_checks.h"
#include "core/seeded_random.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>

namespace diffrecon::ct {
namespace {

double relative_l2(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kFloat64) - b.to(torch::kFloat64)).norm() / b.to(torch::kFloat64).norm()).item<double>();
}

std::vector<ProjectionGeometry> test_geometries() {
  auto parallel = ParallelBeamGeometry::uniform(23, 61, 1.1, 180.0, 1.0);
  parallel.detector_offset_mm = 0.3;
  auto flat = FanBeamGeometry::full_scan(24, 70, 1.9, 120.0, 220.0, DetectorShape::Flat);
  flat.detector_offset_mm = -0.7;
  auto curved = FanBeamGeometry::short_scan(25, 70, 1.9, 120.0, 220.0, DetectorShape::Curved);
  return {parallel, flat, curved};
}

TEST(JosephProjector, IsTheExactTransposeInDoublePrecision) {
  for (const auto& geometry : test_geometries()) {
    JosephProjector projector(geometry, ImageGrid{40, 44, 1.3, 0.6, -0.9});
    SeededRandom random(11);
    EXPECT_LT(adjoint_mismatch(projector, torch::kFloat64, random), 1e-6) << describe(geometry);
    EXPECT_LT(adjoint_mismatch(projector, torch::kFloat64, random, {3}), 1e-6) << describe(geometry);
    EXPECT_LT(adjoint_mismatch(projector, torch::kFloat32, random), 1e-4) << describe(geometry);
  }
}

TEST(JosephProjector, VerticalRaysThroughColumnCentresSumTheColumns) {
  // theta = 0: rays run along y, detector element k sits on column k's centre, so Joseph reads
  // exactly one pixel per row: the projection is the column sum times the pixel size.
  const ImageGrid grid{6, 5, 0.5};
  ParallelBeamGeometry geometry;
  geometry.angles_deg = {0.0, 90.0};
  geometry.detector_count = 5;
  geometry.detector_spacing_mm = 0.5;
  JosephProjector projector(geometry, grid);
  SeededRandom random(3);
  const auto image = random.uniform({6, 5}, torch::kFloat64);
  const auto sinogram = projector.forward(image);
  EXPECT_LT((sinogram[0] - image.sum(0) * 0.5).abs().max().item<double>(), 1e-14);
  // theta = 90: rays run along -x and the detector axis along +y, so element k sits at y = (k - 2) * 0.5:
  // with 6 rows the rays fall between two rows and take half of each.
  const auto rows = image.sum(1) * 0.5;  // per-row sums
  for (int64_t k = 0; k < 5; ++k) {
    const double expected = 0.5 * (rows[5 - k - 1].item<double>() + rows[5 - k].item<double>());
    EXPECT_NEAR(sinogram.index({1, k}).item<double>(), expected, 1e-13) << "detector " << k;
  }
}

// Relative L2 error between the projection of the rasterised phantom and its exact sinogram, on
// a fixed field of view and detector, with `size` x `size` pixels.
double discretisation_error(const EllipsePhantom& phantom, const ProjectionGeometry& geometry, int64_t size,
                            double field_of_view_mm) {
  const auto grid = ImageGrid::square(size, field_of_view_mm / double(size));
  JosephProjector projector(geometry, grid);
  const auto image = rasterize(phantom, grid, 4, torch::kFloat64);
  return relative_l2(projector.forward(image), analytic_sinogram(phantom, geometry, 1, torch::kFloat64));
}

TEST(JosephProjector, ConvergesToTheAnalyticSinogramAsPixelsShrink) {
  const auto shepp_logan = modified_shepp_logan(100.0, 0.1);
  RandomEllipseOptions options;
  options.field_of_view_mm = 200.0;
  const auto body = random_ellipse_phantom(5, options);
  const std::vector<ProjectionGeometry> geometries = {
      ParallelBeamGeometry::uniform(30, 150, 1.5),
      FanBeamGeometry::full_scan(30, 200, 2.0, 400.0, 700.0, DetectorShape::Flat),
      FanBeamGeometry::full_scan(30, 200, 2.0, 400.0, 700.0, DetectorShape::Curved)};
  for (const auto& geometry : geometries) {
    for (const auto* phantom : {&shepp_logan, &body}) {
      const double coarse = discretisation_error(*phantom, geometry, 48, 210.0);
      const double medium = discretisation_error(*phantom, geometry, 96, 210.0);
      const double fine = discretisation_error(*phantom, geometry, 192, 210.0);
      // Measured: first order (the error halves with the pixel size), 1.6-1.8 % for Shepp-Logan at
      // 192^2 (rays tangent to its 2 mm skull) and 0.4-0.5 % for the body phantom.
      EXPECT_LT(medium, 0.6 * coarse) << describe(geometry);
      EXPECT_LT(fine, 0.6 * medium) << describe(geometry);
      EXPECT_LT(fine, phantom == &body ? 0.006 : 0.025) << describe(geometry);
    }
  }
}

TEST(JosephProjector, BatchesAndRepeatsBitForBit) {
  const auto geometry = FanBeamGeometry::full_scan(12, 40, 2.0, 100.0, 180.0);
  JosephProjector projector(geometry, ImageGrid::square(32, 1.5));
  SeededRandom random(4);
  const auto images = random.normal({2, 3, 32, 32}, torch::kFloat32);
  const auto sinograms = projector.forward(images);
  EXPECT_EQ(sinograms.sizes(), (c10::IntArrayRef{2, 3, 12, 40}));
  EXPECT_TRUE(torch::equal(sinograms[1][2], projector.forward(images[1][2])));
  const auto back = projector.adjoint(sinograms);
  EXPECT_EQ(back.sizes(), images.sizes());
  EXPECT_TRUE(torch::equal(back, projector.adjoint(sinograms)));
  EXPECT_LT((back[0][1] - projector.adjoint(sinograms[0][1])).abs().max().item<float>(),
            1e-5f * back.abs().max().item<float>());
}

TEST(JosephProjector, ThreadCountChangesOnlyTheRoundingOfTheBackProjection) {
  const auto geometry = FanBeamGeometry::full_scan(16, 40, 2.0, 100.0, 180.0);
  JosephProjector projector(geometry, ImageGrid::square(32, 1.5));
  SeededRandom random(12);
  const auto images = random.normal({3, 32, 32}, torch::kFloat64);
  const auto sinograms = random.normal({3, 16, 40}, torch::kFloat64);
  const int original = at::get_num_threads();
  at::set_num_threads(1);
  const auto forward_one = projector.forward(images), back_one = projector.adjoint(sinograms);
  at::set_num_threads(2);
  const auto forward_two = projector.forward(images), back_two = projector.adjoint(sinograms);
  const auto back_two_again = projector.adjoint(sinograms);
  at::set_num_threads(original);
  EXPECT_TRUE(torch::equal(forward_one, forward_two));  // one thread per ray: identical
  EXPECT_TRUE(torch::equal(back_two, back_two_again));  // fixed blocks: reproducible
  EXPECT_LT((back_one - back_two).abs().max().item<double>(), 1e-12 * back_one.abs().max().item<double>());
}

TEST(JosephProjector, SparseMatrixHoldsExactlyTheLoopsWeights) {
  // What other devices use: the same operator as a sparse matrix. Checked on the CPU against the loops.
  for (const auto& geometry : test_geometries()) {
    JosephProjector projector(geometry, ImageGrid{30, 34, 1.7, 0.6, -0.9});
    SeededRandom random(21);
    const auto images = random.normal({2, 30, 34}, torch::kFloat64);
    const auto sinograms = random.normal({2, view_count(geometry), detector_count(geometry)}, torch::kFloat64);
    const auto matrix = projector.sparse_matrix(torch::kFloat64, torch::kCPU);
    const auto transposed = projector.sparse_matrix_transposed(torch::kFloat64, torch::kCPU);
    EXPECT_EQ(matrix.size(0), view_count(geometry) * detector_count(geometry));
    EXPECT_EQ(matrix.size(1), 30 * 34);
    const auto forward = torch::mm(matrix, images.reshape({2, -1}).t()).t().reshape_as(projector.forward(images));
    const auto back = torch::mm(transposed, sinograms.reshape({2, -1}).t()).t().reshape_as(images);
    EXPECT_LT((forward - projector.forward(images)).abs().max().item<double>(), 1e-12) << describe(geometry);
    EXPECT_LT((back - projector.adjoint(sinograms)).abs().max().item<double>(), 1e-12) << describe(geometry);
    EXPECT_TRUE(matrix.is_coalesced());
    EXPECT_GE(matrix._values().min().item<double>(), 0.0);
    // The operator on that path gives the loops' results too (batched, float64).
    JosephProjector sparse(geometry, ImageGrid{30, 34, 1.7, 0.6, -0.9}, JosephProjector::Backend::SparseMatrix);
    EXPECT_LT((sparse.forward(images) - projector.forward(images)).abs().max().item<double>(), 1e-12);
    EXPECT_LT((sparse.adjoint(sinograms) - projector.adjoint(sinograms)).abs().max().item<double>(), 1e-12);
    // Cached: the same tensor the second time, and float32 separately.
    EXPECT_TRUE(projector.sparse_matrix(torch::kFloat64, torch::kCPU).is_same(matrix));
    EXPECT_EQ(projector.sparse_matrix(torch::kFloat32, torch::kCPU).scalar_type(), torch::kFloat32);
  }
}

TEST(JosephProjector, AutogradGradientIsTheBackProjection) {
  const auto projector = make_projector(ParallelBeamGeometry::uniform(9, 30, 1.0), ImageGrid::square(20, 1.0));
  SeededRandom random(8);
  EXPECT_LT(gradient_mismatch(*projector, torch::kFloat64, random), 1e-10);
  EXPECT_LT(gradient_mismatch(*projector, torch::kFloat32, random, {2}), 1e-5);
}

TEST(JosephProjector, RejectsSourcesInsideTheImageAndWrongInputs) {
  EXPECT_THROW(JosephProjector(FanBeamGeometry::full_scan(8, 20, 1.0, 50.0, 100.0), ImageGrid::square(100, 1.0)),
               OperatorError);
  JosephProjector projector(ParallelBeamGeometry::uniform(8, 20, 1.0), ImageGrid::square(10, 1.0));
  EXPECT_THROW(projector.forward(torch::zeros({10, 11})), OperatorError);
  EXPECT_THROW(projector.forward(torch::zeros({10, 10}, torch::kInt32)), std::exception);
  EXPECT_THROW(projector.adjoint(torch::zeros({20, 8})), OperatorError);
}

}  // namespace
}  // namespace diffrecon::ct
