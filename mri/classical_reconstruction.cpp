#include "mri/classical_reconstruction.h"

#include "core/wavelet_operator.h"
#include "solvers/conjugate_gradient.h"
#include "solvers/fista.h"
#include "solvers/shifted_wavelet_threshold.h"
#include "solvers/total_variation.h"

#include <torch/fft.h>

#include <stdexcept>

namespace diffrecon::mri {
namespace {

const std::vector<int64_t> kImageDims{-2, -1};

torch::Tensor coil_images(const torch::Tensor& kspace) {
  return torch::fft::fftshift(torch::fft::ifftn(torch::fft::ifftshift(kspace, kImageDims), c10::nullopt, kImageDims, "ortho"),
                              kImageDims);
}

}  // namespace

ReconstructionMethod parse_reconstruction_method(const std::string& name) {
  if (name == "zero") return ReconstructionMethod::ZeroFilled;
  if (name == "cg") return ReconstructionMethod::ConjugateGradientSense;
  if (name == "l1") return ReconstructionMethod::L1Wavelet;
  if (name == "tv") return ReconstructionMethod::TotalVariation;
  throw std::invalid_argument("unknown reconstruction method '" + name + "' (expected zero, cg, l1 or tv)");
}

const char* reconstruction_method_name(ReconstructionMethod method) {
  switch (method) {
    case ReconstructionMethod::ZeroFilled: return "zero";
    case ReconstructionMethod::ConjugateGradientSense: return "cg";
    case ReconstructionMethod::L1Wavelet: return "l1";
    case ReconstructionMethod::TotalVariation: return "tv";
  }
  return "?";
}

torch::Tensor root_sum_of_squares(const torch::Tensor& kspace) {
  if (!kspace.defined() || kspace.dim() < 3)
    throw std::invalid_argument("root-sum-of-squares: expected k-space [..., coils, H, W]");
  return coil_images(kspace).abs().square().sum(-3).sqrt();
}

double data_scale(const torch::Tensor& kspace) {
  if (!kspace.defined() || kspace.dim() < 3) throw std::invalid_argument("data scale: expected k-space [..., coils, H, W]");
  const int64_t height = kspace.size(-2), width = kspace.size(-1);
  const int64_t ch = std::min<int64_t>(24, height), cw = std::min<int64_t>(24, width);
  auto centre = kspace.narrow(-2, height / 2 - ch / 2, ch).narrow(-1, width / 2 - cw / 2, cw);
  // The orthonormal inverse FFT of a ch x cw block has sqrt(H W / (ch cw)) times the magnitude of the
  // full-resolution image: undo that so the scale is that of the image.
  const double resolution = std::sqrt(static_cast<double>(ch * cw) / static_cast<double>(height * width));
  auto rss = (root_sum_of_squares(centre) * resolution).flatten().to(torch::kFloat64);
  auto sorted = std::get<0>(rss.sort());
  auto quantile = [&](double q) { return sorted[static_cast<int64_t>(q * (sorted.numel() - 1))].item<double>(); };
  const double median = quantile(0.5), p90 = quantile(0.9), maximum = sorted[-1].item<double>();
  // estimate_scaling_norm: the 90th percentile, or the maximum when the top of the distribution is
  // short compared with its middle.
  const double scale = (maximum - p90) < 2 * (p90 - median) ? p90 : maximum;
  return scale > 0 ? scale : 1.0;
}

ReconstructionResult reconstruct(const SenseOperator& sense, const torch::Tensor& kspace,
                                 const ReconstructionOptions& options) {
  if (options.iterations < 1) throw std::invalid_argument("reconstruction: iterations must be >= 1");
  if (!(options.lambda >= 0)) throw std::invalid_argument("reconstruction: lambda must be >= 0");
  // The primal-dual TV solver divides by lambda; TV with lambda 0 is plain least squares (use cg).
  if (options.method == ReconstructionMethod::TotalVariation && !(options.lambda > 0))
    throw std::invalid_argument("reconstruction: tv needs lambda > 0 (lambda 0 is unregularised SENSE: use cg)");
  ReconstructionResult result;
  result.data_scale = options.scale_data ? data_scale(kspace) : 1.0;
  const auto y = kspace / result.data_scale;
  SolverResult solved;
  switch (options.method) {
    case ReconstructionMethod::ZeroFilled:
      solved.x = sense.adjoint(y);
      break;
    case ReconstructionMethod::ConjugateGradientSense: {
      ConjugateGradientOptions cg;
      cg.max_iterations = options.iterations;
      cg.tolerance = 1e-6;
      cg.callback = options.callback;
      solved = solve_least_squares(sense, y, options.lambda, cg);
      break;
    }
    case ReconstructionMethod::L1Wavelet: {
      const auto layout = wavelet_layout_for(sense.domain_shape());
      auto wavelet = std::make_shared<WaveletOperator>(layout.padded, options.wavelet, layout.levels);
      ShiftedWaveletThreshold prox(wavelet, options.lambda, options.random_shifts, options.seed);
      FistaOptions fista_options;
      fista_options.max_iterations = options.iterations;
      fista_options.tolerance = 0;  // a fixed number of iterations, as BART
      fista_options.callback = options.callback;
      solved = fista(sense, y, prox, fista_options);
      break;
    }
    case ReconstructionMethod::TotalVariation: {
      TotalVariationOptions tv;
      tv.lambda = options.lambda;
      tv.max_iterations = options.iterations;
      tv.tolerance = 0;
      tv.callback = options.callback;
      solved = total_variation_reconstruction(sense, y, tv);
      break;
    }
  }
  result.image = solved.x * result.data_scale;
  result.iterations = solved.iterations;
  return result;
}

}  // namespace diffrecon::mri
