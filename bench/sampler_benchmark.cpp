// Posterior samplers against the classical reconstructions, side by side in one run (issue 6):
//   MRI: the ITK example brain images (never used in training) through 8 birdcage coils (normalised to
//        a unit root-sum-of-squares, known to the reconstruction), complex noise 0.02 of the coil
//        k-space RMS, 8x 1-D random phase-encode undersampling with 24 ACS lines; L1-wavelet and TV at
//        their best lambda of a grid (chosen on the truth, the most favourable setting for them).
//   CT:  held-out random ellipse phantoms (seeds 1-3; training used seeds >= 2^32), 256 x 256 of
//        1 mm, 30 parallel-beam views over 180 degrees, 367 detectors, photon noise at 1e5 photons;
//        TV (Chambolle-Pock, 300 iterations) at its best lambda of a grid. TV and the samplers see the
//        same data term: rays whitened by their photon statistics (ct/photon_statistics.h), or one
//        sigma for all rays with --ct-unweighted.
// Every sampler: PSNR and SSIM of the posterior mean (MRI: magnitudes after the least-squares scale
// of bench/mri_benchmark.cpp; CT: attenuation), seconds, NFE per chain, and the calibration of its std
// map: the fraction of pixels whose error lies within 2 std (|mean - truth| <= 2 std; of the
// reference's non-background pixels for MRI). With more than one chain, a second line gives the PSNR of
// the mean of the first 1, 2, 4, ... chains (how far more chains would carry the estimate).
//
// Usage: diffrecon_sampler_benchmark [--mri-prior CARD] [--ct-prior CARD] [--modality mri|ct|both]
//          [--methods dps,mcg,daps,reddiff] [--presets fast,full] [--samples N] [--images a,b]
//          [--set METHOD:name=value,...] [--threads N] [--seed S] [--no-classical] [--keep DIR]
//          [--ct-unweighted] [--mri-vq-prior CARD] [--ct-vq-prior CARD]
// The vq priors are g2d2's (in --methods); each case then gets a row with the decoder ceiling
// Dec(Q(Enc(x))), the best any G2D2 sample could reach.
#include "bench/sampler_rows.h"
#include "bench/simulated_scan.h"
#include "bench/timing.h"
#include "ct/ellipse_phantom.h"
#include "ct/filtered_back_projection.h"
#include "ct/projection_model.h"
#include "mri/sense_model.h"
#include "ct/iterative_reconstruction.h"
#include "ct/joseph_projector.h"
#include "ct/parallel_beam_geometry.h"
#include "ct/photon_noise.h"
#include "ct/photon_statistics.h"
#include "io/image_file.h"
#include "mri/classical_reconstruction.h"
#include "mri/sense_operator.h"
#include "priors/prior_file.h"
#include "samplers/posterior_reconstruction.h"
#include "validation/image_metrics.h"

#include <ATen/Parallel.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace diffrecon;

namespace {

const char* kItkData = "/usr/share/doc/insighttoolkit5-examples/examples/Data/";

using bench::seconds_since;

struct Settings : bench::SamplerSweep {
  std::vector<std::string> images;
  bool photon_weights = true;  // CT: whiten the rays by their photon statistics (PWLS) for TV and samplers
  bool classical = true;  // --no-classical skips the L1-wavelet and TV baselines (when tuning samplers)
};

using bench::keep_png;
using bench::print_header;
using bench::print_row;
using bench::Row;
using bench::run_samplers;
using bench::split_list;

// The decoder ceiling row of a case, when a discrete prior is given.
void print_ceiling(const std::string& name, const LoadedPrior* token_prior, const torch::Tensor& truth,
                   const torch::Tensor& estimate, const std::function<std::pair<double, double>(const torch::Tensor&)>& score) {
  if (!token_prior) return;
  Row ceiling{name, "decoder ceiling Dec(Q(Enc(x))) of " + token_prior->card.name};
  std::tie(ceiling.psnr, ceiling.ssim) = score(bench::decoder_ceiling(*token_prior, truth, estimate));
  print_row(ceiling);
}

void mri_table(const Settings& settings, const LoadedPrior& prior, const LoadedPrior* token_prior, std::vector<Row>& rows) {
  std::vector<std::string> files = settings.images;
  if (files.empty())
    files = {"BrainT1Slice.png", "BrainProtonDensitySlice.png", "itkBrainSliceComplex.mha"};
  print_header("MRI: 8 coils, 8x random lines, 24 ACS, noise 0.02");
  for (const auto& file : files) {
    auto truth = read_image(std::string(kItkData) + file).data.squeeze();
    if (!truth.is_complex()) truth = torch::complex(truth.to(torch::kFloat), torch::zeros_like(truth).to(torch::kFloat));
    truth = truth.to(torch::kComplexFloat);
    // Even sizes for the wavelet transform (itkBrainSliceComplex is 181 x 217).
    truth = truth.slice(0, 0, truth.size(0) / 2 * 2).slice(1, 0, truth.size(1) / 2 * 2).contiguous();
    truth = truth / truth.abs().max();
    const auto scan = bench::simulate_scan(truth, 8, settings.seed, settings.seed + 17);
    const auto &mask = scan.mask, &kspace = scan.kspace;
    const auto& sense = scan.sense;
    const double sigma = scan.sigma;
    const auto reference = truth.abs();
    const double range = reference.max().item<double>();
    auto score = [&](const torch::Tensor& x) {
      auto magnitude = x.abs();
      magnitude = magnitude * least_squares_scale(magnitude, reference);
      return std::make_pair(psnr(magnitude, reference, range), ssim(magnitude, reference, range));
    };
    auto foreground = reference > 0.05 * range;
    auto calibration = [&](const torch::Tensor& mean, const torch::Tensor& std) {
      auto within = ((mean - truth).abs() <= 2 * std).logical_and(foreground);
      return within.sum().item<double>() / foreground.sum().item<double>();
    };
    // Classical baselines at their best lambda.
    for (auto method : {mri::ReconstructionMethod::L1Wavelet, mri::ReconstructionMethod::TotalVariation}) {
      if (!settings.classical) break;
      Row best{file, mri::reconstruction_method_name(method)};
      best.psnr = -1e9;
      torch::Tensor best_image;
      for (double lambda : {0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02}) {
        mri::ReconstructionOptions options;
        options.method = method;
        options.lambda = lambda;
        options.iterations = method == mri::ReconstructionMethod::TotalVariation ? 300 : 100;
        const auto start = std::chrono::steady_clock::now();
        auto image = mri::reconstruct(*sense, kspace, options).image;
        const double seconds = seconds_since(start);
        auto [p, s] = score(image);
        if (p > best.psnr) {
          best.psnr = p, best.ssim = s, best.seconds = seconds;
          best.method = std::string(mri::reconstruction_method_name(method)) + " (lambda " + c10::str(lambda) + ")";
          best_image = image;
        }
      }
      keep_png(settings.keep, file + " " + mri::reconstruction_method_name(method), best_image, 1.0);
      print_row(best);
      rows.push_back(best);
    }
    // The first estimate `diffrecon mri` uses for the prior's normalisation (mri/sense_model.h).
    auto estimate = mri::first_estimate(mri::SenseModel{sense, kspace, mask});
    Problem problem(sense, kspace, NoiseModel{sigma});
    keep_png(settings.keep, file + " truth", truth, 1.0);
    print_ceiling(file, token_prior, truth, estimate, score);
    run_samplers(settings, file, problem, estimate, prior, token_prior, ProjectionPreconditioner::Identity, score,
                 calibration, rows, 1.0);
  }
}

void ct_table(const Settings& settings, const LoadedPrior& prior, const LoadedPrior* token_prior, std::vector<Row>& rows) {
  print_header("CT: 30 parallel-beam views, 1e5 photons");
  const auto grid = ct::ImageGrid::square(256, 1.0);
  std::vector<std::string> seeds = settings.images.empty() ? std::vector<std::string>{"1", "2", "3"} : settings.images;
  for (const auto& seed_text : seeds) {
    const uint64_t seed = std::stoull(seed_text);
    const auto phantom = ct::random_ellipse_phantom(seed);
    const ct::ProjectionGeometry geometry = ct::ParallelBeamGeometry::uniform(30, 367, 1.0);
    auto sinogram = ct::add_photon_noise(ct::analytic_sinogram(phantom, geometry, 4), 1e5, seed + 7919);
    auto truth = ct::rasterize(phantom, grid, 4);
    const auto projector = ct::make_projector(geometry, grid);
    // Both TV and the samplers see the same data term: statistically weighted rows (the photon-limited
    // std 1 / sqrt(I0 exp(-p)) per ray), or with --ct-unweighted one sigma 1 / sqrt(I0) for every ray.
    const Problem problem = settings.photon_weights ? ct::measured_problem(projector, sinogram, 1e5)
                                                    : Problem(projector, sinogram, NoiseModel{1.0 / std::sqrt(1e5)});
    const double range = (truth.max() - truth.min()).item<double>();
    auto score = [&](const torch::Tensor& x) {
      return std::make_pair(psnr(x, truth, range), ssim(x, truth, range));
    };
    auto calibration = [&](const torch::Tensor& mean, const torch::Tensor& std) {
      return ((mean - truth).abs() <= 2 * std).to(torch::kDouble).mean().item<double>();
    };
    const std::string name = "phantom seed " + seed_text;
    auto fbp = ct::first_estimate(sinogram, {geometry, grid});  // as `diffrecon ct` starts TV and the samplers
    Row best{name, "TV"};
    best.psnr = -1e9;
    for (double lambda : {0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0}) {
      if (!settings.classical) break;
      ct::TvReconstructionOptions tv;
      tv.lambda = lambda;
      tv.iterations = 300;
      tv.initial = fbp.clamp_min(0.0);
      const auto start = std::chrono::steady_clock::now();
      auto image = ct::tv_reconstruction(problem.op(), problem.measurement(), tv).x;
      const double seconds = seconds_since(start);
      auto [p, s] = score(image);
      if (p > best.psnr) best.psnr = p, best.ssim = s, best.seconds = seconds, best.method = "TV (lambda " + c10::str(lambda) + ")";
    }
    if (settings.classical) print_row(best), rows.push_back(best);
    const double high = truth.max().item<double>();
    keep_png(settings.keep, name + " truth", truth, high);
    print_ceiling(name, token_prior, truth, fbp, score);
    run_samplers(settings, name, problem, fbp, prior, token_prior, ProjectionPreconditioner::ColumnSums, score,
                 calibration, rows, high);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  std::string mri_prior = "models/mri-brain/model.json", ct_prior = "models/ct-body/model.json", modality = "both";
  std::string mri_vq_prior, ct_vq_prior;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--mri-prior") mri_prior = value();
    else if (arg == "--ct-prior") ct_prior = value();
    else if (arg == "--mri-vq-prior") mri_vq_prior = value();
    else if (arg == "--ct-vq-prior") ct_vq_prior = value();
    else if (arg == "--modality") modality = value();
    else if (arg == "--methods") settings.methods = split_list(value());
    else if (arg == "--presets") settings.presets = split_list(value());
    else if (arg == "--images") settings.images = split_list(value());
    else if (arg == "--samples") settings.samples = std::stoll(value());
    else if (arg == "--seed") settings.seed = std::stoull(value());
    else if (arg == "--threads") threads = std::stoi(value());
    else if (arg == "--no-classical") settings.classical = false;
    else if (arg == "--ct-unweighted") settings.photon_weights = false;
    else if (arg == "--keep") settings.keep = value();
    else if (arg == "--set") bench::add_overrides(settings, value());
    else {
      std::fprintf(stderr, "unknown option %s (see the comment at the top of bench/sampler_benchmark.cpp)\n", arg.c_str());
      return 2;
    }
  }
  at::set_num_threads(threads);
  std::printf("threads %d, samples %lld, seed %llu\n", threads, static_cast<long long>(settings.samples),
              static_cast<unsigned long long>(settings.seed));
  std::vector<Row> rows;
  auto optional_prior = [](const std::string& card) {
    return card.empty() ? std::optional<LoadedPrior>() : std::optional<LoadedPrior>(load_prior(card));
  };
  if (modality == "mri" || modality == "both") {
    const auto token_prior = optional_prior(mri_vq_prior);
    mri_table(settings, load_prior(mri_prior), token_prior ? &*token_prior : nullptr, rows);
  }
  if (modality == "ct" || modality == "both") {
    const auto token_prior = optional_prior(ct_vq_prior);
    ct_table(settings, load_prior(ct_prior), token_prior ? &*token_prior : nullptr, rows);
  }
  return 0;
}
