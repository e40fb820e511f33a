// The operators of core/ (the SENSE and CT projectors have theirs in tests/mri and tests/ct), in
// the shared conformance suite (tests/operator_conformance.h).
#include "core/autograd_adjoint.h"
#include "core/diagonal_operator.h"
#include "core/fft_operator.h"
#include "core/finite_difference_operator.h"
#include "core/matrix_operator.h"
#include "core/operator_algebra.h"
#include "core/wavelet_operator.h"
#include "tests/operator_conformance.h"

namespace diffrecon::testing {
namespace {

OperatorPtr sense_like_chain() {
  const Shape image{9, 8};
  auto mask = make_mask_operator((random_tensor({9, 1}, torch::kFloat32, 3) > 0).to(torch::kFloat32), image);
  auto fft = std::make_shared<FFTOperator>(image, std::vector<int64_t>{-2, -1});
  auto coil = std::make_shared<DiagonalOperator>(random_tensor(image, torch::kComplexFloat, 4), image, "Coil");
  return chain({mask, fft, coil});
}

std::vector<OperatorCase> core_operator_cases() {
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
      {"WaveletHaarThreeLevels", [] { return std::make_shared<WaveletOperator>(Shape{16, 8}, "haar", 3); }},
      {"WaveletDb4TwoLevels", [] { return std::make_shared<WaveletOperator>(Shape{16, 20}, "db4", 2); }},
      {"WaveletDb2OneDimOfThree",
       [] { return std::make_shared<WaveletOperator>(Shape{3, 12, 5}, "db2", 0, std::vector<int64_t>{1}); }},
      {"AdjointBackedFiniteDifference",
       [] { return with_adjoint_gradient(std::make_shared<FiniteDifferenceOperator>(Shape{6, 7})); }},
  };
}

}  // namespace

DIFFRECON_OPERATOR_CONFORMANCE(Core, core_operator_cases());

}  // namespace diffrecon::testing
