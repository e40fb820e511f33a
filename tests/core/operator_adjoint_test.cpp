// Every operator, in every dtype it accepts, batched and unbatched: the dot-product adjoint test,
// the autograd gradient test (grad ||Ax - y||^2 = 2 A^H (Ax - y)) and normal = A^H A.
#include "ct/joseph_projector.h"
#include "mri/sense_operator.h"
#include "recon/core/autograd_adjoint.h"
#include "recon/core/diagonal_operator.h"
#include "recon/core/fft_operator.h"
#include "recon/core/finite_difference_operator.h"
#include "recon/core/matrix_operator.h"
#include "recon/core/operator_algebra.h"
#include "recon/core/operator_checks.h"
#include "recon/core/wavelet_operator.h"
#include "tests/test_device.h"

#include <gtest/gtest.h>

#include <functional>

namespace diffrecon {
namespace {

using testing::on_device;

struct OperatorCase {
  std::string name;
  std::function<OperatorPtr()> make;
};

torch::Tensor random_tensor(Shape shape, torch::ScalarType dtype, uint64_t seed) {
  SeededRandom random(seed);
  return random.normal(shape, on_device(dtype));
}

OperatorPtr sense_like_chain() {
  const Shape image{9, 8};
  auto mask = make_mask_operator((random_tensor({9, 1}, torch::kFloat32, 3) > 0).to(torch::kFloat32), image);
  auto fft = std::make_shared<FFTOperator>(image, std::vector<int64_t>{-2, -1});
  auto coil = std::make_shared<DiagonalOperator>(random_tensor(image, torch::kComplexFloat, 4), image, "Coil");
  return chain({mask, fft, coil});
}

std::vector<OperatorCase> operator_cases() {
  return {
      {"Identity", [] { return identity({5, 6}); }},
      {"DiagonalReal", [] { return std::make_shared<DiagonalOperator>(random_tensor({7, 6}, torch::kFloat64, 1), Shape{7, 6}); }},
      {"DiagonalComplex",
       [] { return std::make_shared<DiagonalOperator>(random_tensor({7, 6}, torch::kComplexFloat, 2), Shape{7, 6}); }},
      {"MaskBroadcastOverCoils",
       [] {
         auto lines = (random_tensor({1, 6}, torch::kFloat32, 5) > 0).to(torch::kFloat32);
         return make_mask_operator(lines, {4, 7, 6});
       }},
      {"FFT2DOddSize", [] { return std::make_shared<FFTOperator>(Shape{9, 7}, std::vector<int64_t>{-2, -1}); }},
      {"FFTFirstDimOfThree", [] { return std::make_shared<FFTOperator>(Shape{3, 9, 8}, std::vector<int64_t>{0}); }},
      {"FFTUncentred",
       [] { return std::make_shared<FFTOperator>(Shape{8, 6}, std::vector<int64_t>{0, 1}, /*centred=*/false); }},
      {"FiniteDifference2D", [] { return std::make_shared<FiniteDifferenceOperator>(Shape{9, 8}); }},
      {"FiniteDifference3D",
       [] { return std::make_shared<FiniteDifferenceOperator>(Shape{5, 6, 7}, std::vector<int64_t>{0, 1, 2}); }},
      {"MatrixReal", [] { return std::make_shared<MatrixOperator>(random_tensor({7, 5}, torch::kFloat64, 6)); }},
      {"MatrixComplex", [] { return std::make_shared<MatrixOperator>(random_tensor({6, 9}, torch::kComplexDouble, 7)); }},
      {"ChainMaskFFTCoil", [] { return sense_like_chain(); }},
      {"AddDiagonalIdentity",
       [] {
         auto diagonal = std::make_shared<DiagonalOperator>(random_tensor({7, 6}, torch::kFloat32, 8), Shape{7, 6});
         return add(diagonal, identity({7, 6}));
       }},
      {"ScaleRealFiniteDifference",
       [] { return scale(std::make_shared<FiniteDifferenceOperator>(Shape{6, 6}), 2.5); }},
      {"ScaleComplexFFT",
       [] { return scale(std::make_shared<FFTOperator>(Shape{6, 5}, std::vector<int64_t>{-1}), {0.3, -1.2}); }},
      {"AdjointOfChain", [] { return adjoint_of(sense_like_chain()); }},
      {"StackChainAndGradient",
       [] { return stack_rows({sense_like_chain(), std::make_shared<FiniteDifferenceOperator>(Shape{9, 8})}); }},
      {"AdjointBackedChain", [] { return with_adjoint_gradient(sense_like_chain()); }},
      {"SenseRandomLinesOddSize",
       [] {
         auto lines = (random_tensor({1, 7}, torch::kFloat32, 9) > 0).to(torch::kFloat32);
         return std::make_shared<mri::SenseOperator>(random_tensor({3, 9, 7}, torch::kComplexFloat, 10), lines);
       }},
      {"SenseFullySampled",
       [] { return std::make_shared<mri::SenseOperator>(random_tensor({2, 8, 6}, torch::kComplexFloat, 11)); }},
      {"SensePointMask2D",
       [] {
         auto mask = (random_tensor({8, 8}, torch::kFloat32, 12) > 0.5).to(torch::kFloat32);
         return std::make_shared<mri::SenseOperator>(random_tensor({4, 8, 8}, torch::kComplexDouble, 13), mask);
       }},
      {"WaveletHaarThreeLevels", [] { return std::make_shared<WaveletOperator>(Shape{16, 8}, "haar", 3); }},
      {"WaveletDb4TwoLevels", [] { return std::make_shared<WaveletOperator>(Shape{16, 20}, "db4", 2); }},
      {"WaveletDb2OneDimOfThree",
       [] { return std::make_shared<WaveletOperator>(Shape{3, 12, 5}, "db2", 0, std::vector<int64_t>{1}); }},
      {"AdjointBackedFiniteDifference",
       [] { return with_adjoint_gradient(std::make_shared<FiniteDifferenceOperator>(Shape{6, 7})); }},
      // CT projectors (ct/joseph_projector.h), small grids, off-centre and with a detector offset.
      {"JosephParallelBeam",
       [] {
         auto geometry = ct::ParallelBeamGeometry::uniform(7, 13, 0.9, 180.0, 3.0);
         geometry.detector_offset_mm = 0.35;
         return ct::make_projector(geometry, ct::ImageGrid{9, 8, 1.1, 0.3, -0.2});
       }},
      {"JosephFanBeamFlat",
       [] {
         auto geometry = ct::FanBeamGeometry::full_scan(6, 11, 1.7, 30.0, 55.0, ct::DetectorShape::Flat);
         return ct::make_projector(geometry, ct::ImageGrid{8, 9, 1.0, -0.4, 0.25});
       }},
      {"JosephFanBeamFlatSparseMatrix",  // the path CUDA tensors take
       [] {
         auto geometry = ct::FanBeamGeometry::full_scan(6, 11, 1.7, 30.0, 55.0, ct::DetectorShape::Flat);
         return ct::make_projector(geometry, ct::ImageGrid{8, 9, 1.0, -0.4, 0.25},
                                   ct::JosephProjector::Backend::SparseMatrix);
       }},
      {"JosephFanBeamCurvedShortScan",
       [] {
         auto geometry = ct::FanBeamGeometry::short_scan(7, 12, 1.6, 28.0, 50.0, ct::DetectorShape::Curved);
         return ct::make_projector(geometry, ct::ImageGrid::square(8, 1.2));
       }},
  };
}

struct AdjointCase {
  OperatorCase op;
  torch::ScalarType dtype;
  Shape batch;
};

// Every dtype an operator's domain accepts: complex domains take complex64/128, real domains
// float32/64, and open (Any) domains all four.
std::vector<AdjointCase> adjoint_cases() {
  std::vector<AdjointCase> cases;
  for (const auto& op_case : operator_cases()) {
    const auto field = op_case.make()->domain().field;
    std::vector<torch::ScalarType> dtypes;
    if (field != Field::Complex) dtypes.insert(dtypes.end(), {torch::kFloat32, torch::kFloat64});
    if (field != Field::Real) dtypes.insert(dtypes.end(), {torch::kComplexFloat, torch::kComplexDouble});
    for (auto dtype : dtypes)
      for (const auto& batch : {Shape{}, Shape{3}, Shape{2, 2}}) cases.push_back({op_case, dtype, batch});
  }
  return cases;
}

void PrintTo(const AdjointCase& c, std::ostream* out) {
  *out << c.op.name << " " << c10::toString(c.dtype) << " batch " << shape_to_string(c.batch);
}

std::string case_name(const ::testing::TestParamInfo<AdjointCase>& info) {
  std::string batch = info.param.batch.empty() ? "Unbatched" : "Batch";
  for (auto b : info.param.batch) batch += std::to_string(b);
  return info.param.op.name + "_" + c10::toString(info.param.dtype) + "_" + batch;
}

bool double_precision(torch::ScalarType dtype) {
  return dtype == torch::kFloat64 || dtype == torch::kComplexDouble;
}

class OperatorConformance : public ::testing::TestWithParam<AdjointCase> {
 protected:
  using Check = double (*)(const LinearOperator&, torch::ScalarType, SeededRandom&, const Shape&);

  // Runs `check` on this case's operator, dtype and batch, expecting a relative error below the
  // tolerance for its precision.
  void expect_below(Check check, uint64_t seed, double double_tolerance, double single_tolerance) {
    const auto& param = GetParam();
    auto op = param.op.make();
    SeededRandom random(seed);
    const double tolerance = double_precision(param.dtype) ? double_tolerance : single_tolerance;
    EXPECT_LT(check(*op, param.dtype, random, param.batch), tolerance) << op->name();
  }
};

TEST_P(OperatorConformance, DotProductAdjointTest) { expect_below(adjoint_mismatch, 100, 1e-5, 1e-3); }

TEST_P(OperatorConformance, AutogradGradientEqualsAdjoint) { expect_below(gradient_mismatch, 200, 1e-10, 1e-4); }

TEST_P(OperatorConformance, NormalEqualsAdjointOfForward) { expect_below(normal_mismatch, 300, 1e-10, 1e-5); }

TEST_P(OperatorConformance, BatchedForwardEqualsPerSampleForward) {
  const auto& param = GetParam();
  if (param.batch.size() != 1) return;  // one batch layout suffices for this property
  auto op = param.op.make();
  SeededRandom random(400);
  auto x = random_domain_element(*op, param.dtype, random, param.batch);
  auto batched = op->forward(x);
  for (int64_t b = 0; b < x.size(0); ++b)
    EXPECT_LT(testing::relative_error(batched[b], op->forward(x[b])), 1e-6) << op->name() << " sample " << b;
}

INSTANTIATE_TEST_SUITE_P(AllOperators, OperatorConformance, ::testing::ValuesIn(adjoint_cases()), case_name);

}  // namespace
}  // namespace diffrecon
