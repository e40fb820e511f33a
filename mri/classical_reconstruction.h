// The classical reconstructions of multi-coil Cartesian data through a SenseOperator, as BART's pics
// does them: zero-filled, CG-SENSE (Tikhonov), L1-wavelet (FISTA) and total variation (primal-dual).
#pragma once

#include "mri/sense_operator.h"
#include "solvers/solver_report.h"

#include <string>

namespace diffrecon::mri {

enum class ReconstructionMethod { ZeroFilled, ConjugateGradientSense, L1Wavelet, TotalVariation };

// "zero", "cg", "l1", "tv"; std::invalid_argument naming the accepted values otherwise.
ReconstructionMethod parse_reconstruction_method(const std::string& name);
const char* reconstruction_method_name(ReconstructionMethod method);

struct ReconstructionOptions {
  ReconstructionMethod method = ReconstructionMethod::ConjugateGradientSense;
  double lambda = 0.01;          // Tikhonov weight (cg), L1 weight (l1), TV weight (tv), on scaled data
  int iterations = 30;           // BART pics -i default
  // Daubechies-2 (BART's default "dau2"): it beat db4 on the benchmark data (docs/benchmarks.md,
  // "Measurements behind code choices").
  std::string wavelet = "db2";
  bool random_shifts = true;     // l1: cycle spinning (BART pics default; -n turns it off)
  uint64_t seed = 0;             // l1: the shifts
  // Divide the data by data_scale() first and multiply the image back afterwards (BART pics' default
  // pre-scaling), so one lambda suits data of any magnitude.
  bool scale_data = true;
  IterationCallback callback;
};

struct ReconstructionResult {
  torch::Tensor image;      // complex [H, W] (or [..., H, W] for batched k-space)
  double data_scale = 1.0;  // what the data were divided by
  int iterations = 0;
};

// The scaling BART's pics applies (after estimate_scaling_norm in src/sense/optcom.c): the 90th
// percentile (or the maximum, if the top of the distribution is short) of the root-sum-of-squares
// image of the central 24 x 24 k-space block, brought to full-resolution image scale.
double data_scale(const torch::Tensor& kspace);

// Root-sum-of-squares of the zero-filled coil images: real [H, W] from k-space [C, H, W].
torch::Tensor root_sum_of_squares(const torch::Tensor& kspace);

// k-space [..., C, H, W] (zeros where not sampled) -> the image that minimises the method's objective:
//   zero: A^H y;  cg: ||A x - y||^2 + lambda ||x||^2;  l1: 1/2 ||A x - y||^2 + lambda ||W x||_1;
//   tv: 1/2 ||A x - y||^2 + lambda TV(x) (isotropic).
ReconstructionResult reconstruct(const SenseOperator& sense, const torch::Tensor& kspace,
                                 const ReconstructionOptions& options = {});

}  // namespace diffrecon::mri
