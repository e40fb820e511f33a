// The SENSE operator in the shared operator conformance suite (tests/operator_conformance.h).
#include "mri/sense_operator.h"
#include "tests/operator_conformance.h"

namespace diffrecon::testing {
namespace {

std::vector<OperatorCase> sense_operator_cases() {
  return {
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
  };
}

}  // namespace

DIFFRECON_OPERATOR_CONFORMANCE(Mri, sense_operator_cases());

}  // namespace diffrecon::testing
