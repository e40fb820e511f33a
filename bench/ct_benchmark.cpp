// CT benchmark (C++ side). bench/ct_run runs it next to scikit-image in one session and prints the
// ratios; on its own it has three modes:
//   --throughput            median ms of one Joseph forward and one back-projection, 256^2 image,
//                           60 views x 367 detectors, as one JSON line
//   --fbp-golden DIR        the analytic 720-view modified Shepp-Logan sinogram (367 detectors of
//                           1 mm, 256^2 pixels of 1 mm) and our Ram-Lak FBP of it, written to DIR as
//                           raw float64 files with the ground truth on our grid and on scikit-image's
//                           (pixel centres at index - N/2, half a pixel from ours)
//   --table                 PSNR/SSIM of FBP, SIRT, CGLS and TV at 30/60/120 views on random-ellipse
//                           phantoms (exact sinograms, optionally with photon noise: --photons I0),
//                           parameters tuned on a separate phantom
// Options: --threads N (LibTorch intra-op threads), --repeats N.
#include "ct/filtered_back_projection.h"
#include "ct/iterative_reconstruction.h"
#include "ct/joseph_projector.h"
#include "ct/photon_noise.h"
#include "core/seeded_random.h"
#include "validation/image_metrics.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace diffrecon;
using namespace diffrecon::ct;

namespace {

double elapsed_ms(const std::function<void()>& run) {
  const auto start = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double median_ms(const std::function<void()>& run, int repeats) {
  run();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) times.push_back(elapsed_ms(run));
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void write_raw(const std::string& path, const torch::Tensor& t) {
  const auto values = t.to(torch::kFloat64).contiguous();
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(values.data_ptr<double>()), values.numel() * sizeof(double));
  if (!file) throw std::runtime_error("cannot write " + path);
}

int throughput(int repeats) {
  const auto grid = ImageGrid::square(256, 1.0);
  const auto geometry = ParallelBeamGeometry::uniform(60, 367, 1.0);
  JosephProjector projector(geometry, grid);
  const auto image = rasterize(modified_shepp_logan(128.0, 1.0), grid, 1, torch::kFloat32);
  const auto sinogram = projector.forward(image);
  torch::Tensor keep;
  const double forward = median_ms([&] { keep = projector.forward(image); }, repeats);
  const double adjoint = median_ms([&] { keep = projector.adjoint(sinogram); }, repeats);
  std::printf("{\"forward_ms\": %.4f, \"adjoint_ms\": %.4f, \"threads\": %d}\n", forward, adjoint, at::get_num_threads());
  return 0;
}

int fbp_golden(const std::string& folder) {
  const auto phantom = modified_shepp_logan(128.0, 1.0);
  const auto geometry = ParallelBeamGeometry::uniform(720, 367, 1.0);
  const auto ours = ImageGrid::square(256, 1.0);
  ImageGrid skimage = ours;  // scikit-image: x = column - 128, y = 128 - row
  skimage.centre_x_mm = -0.5;
  skimage.centre_y_mm = 0.5;
  const auto sinogram = analytic_sinogram(phantom, geometry, 1, torch::kFloat64);
  torch::Tensor image;
  const double ms = elapsed_ms([&] { image = filtered_back_projection(sinogram, geometry, ours); });
  write_raw(folder + "/sinogram_720x367.f64", sinogram);
  write_raw(folder + "/truth_ours_256.f64", rasterize(phantom, ours, 8, torch::kFloat64));
  write_raw(folder + "/truth_skimage_256.f64", rasterize(phantom, skimage, 8, torch::kFloat64));
  write_raw(folder + "/fbp_ours_256.f64", image);
  // The same FBP on scikit-image's pixel grid, so both reconstruct identical pixels.
  write_raw(folder + "/fbp_ours_on_skimage_grid_256.f64", filtered_back_projection(sinogram, geometry, skimage));
  std::printf("{\"fbp_ms\": %.2f}\n", ms);
  return 0;
}

struct Scores {
  double psnr = 0, ssim = 0;
};

Scores score(const torch::Tensor& image, const torch::Tensor& truth) {
  const double range = (truth.max() - truth.min()).item<double>();
  return {psnr(image, truth, range), diffrecon::ssim(image, truth, range)};
}

struct Methods {
  int sirt_iterations = 200;
  int cgls_iterations = 15;
  double tv_lambda = 0.5;
  int tv_iterations = 300;
};

std::vector<std::pair<std::string, torch::Tensor>> reconstruct_all(const torch::Tensor& sinogram,
                                                                   const ProjectionGeometry& geometry,
                                                                   const ImageGrid& grid, const Methods& m) {
  const auto projector = make_projector(geometry, grid);
  const auto fbp = filtered_back_projection(sinogram, geometry, grid);
  SirtOptions sirt_options;
  sirt_options.iterations = m.sirt_iterations;
  TvReconstructionOptions tv;
  tv.lambda = m.tv_lambda;
  tv.iterations = m.tv_iterations;
  tv.initial = fbp.clamp_min(0.0);
  return {{"FBP (Ram-Lak)", fbp},
          {"SIRT", sirt(*projector, sinogram, sirt_options).x},
          {"CGLS", cgls(*projector, sinogram, {m.cgls_iterations, {}}).x},
          {"TV", tv_reconstruction(*projector, sinogram, tv).x}};
}

int table(double photons) {
  const auto grid = ImageGrid::square(256, 1.0);
  RandomEllipseOptions options;  // 256 mm field of view, mu_water 0.0192/mm
  auto data = [&](uint64_t seed, int64_t views) {
    const auto phantom = random_ellipse_phantom(seed, options);
    const ProjectionGeometry geometry = ParallelBeamGeometry::uniform(views, 367, 1.0);
    auto sinogram = analytic_sinogram(phantom, geometry, 4);
    if (photons > 0.0) sinogram = add_photon_noise(sinogram, photons, seed + 7919);
    return std::make_tuple(rasterize(phantom, grid, 4), sinogram, geometry);
  };

  // Tuning on a separate phantom (seed 1000) at 60 views: CGLS iterations and TV lambda by PSNR.
  Methods methods;
  {
    auto [truth, sinogram, geometry] = data(1000, 60);
    const auto projector = make_projector(geometry, grid);
    double best = -1e9;
    std::printf("tuning on seed 1000, 60 views:\n");
    for (int iterations : {5, 10, 15, 20, 30, 50}) {
      const double p = score(cgls(*projector, sinogram, {iterations, {}}).x, truth).psnr;
      std::printf("  CGLS %d iterations: %.2f dB\n", iterations, p);
      if (p > best) best = p, methods.cgls_iterations = iterations;
    }
    best = -1e9;
    const auto fbp = filtered_back_projection(sinogram, geometry, grid);
    for (double lambda : {0.05, 0.1, 0.2, 0.5, 1.0, 2.0}) {
      TvReconstructionOptions tv;
      tv.lambda = lambda;
      tv.iterations = methods.tv_iterations;
      tv.initial = fbp.clamp_min(0.0);
      const double p = score(tv_reconstruction(*projector, sinogram, tv).x, truth).psnr;
      std::printf("  TV lambda %.2f: %.2f dB\n", lambda, p);
      if (p > best) best = p, methods.tv_lambda = lambda;
    }
    std::printf("chosen: SIRT %d iterations, CGLS %d iterations, TV lambda %.2f (%d iterations)\n\n",
                methods.sirt_iterations, methods.cgls_iterations, methods.tv_lambda, methods.tv_iterations);
  }

  const std::vector<uint64_t> seeds = {1, 2, 3};
  std::printf("| views | method | PSNR (dB) | SSIM |\n|---|---|---|---|\n");
  for (int64_t views : {30, 60, 120}) {
    std::vector<std::string> names;
    std::vector<Scores> sums;
    for (uint64_t seed : seeds) {
      auto [truth, sinogram, geometry] = data(seed, views);
      const auto results = reconstruct_all(sinogram, geometry, grid, methods);
      if (sums.empty()) sums.resize(results.size());
      names.clear();
      for (size_t m = 0; m < results.size(); ++m) {
        names.push_back(results[m].first);
        const auto s = score(results[m].second, truth);
        sums[m].psnr += s.psnr / double(seeds.size());
        sums[m].ssim += s.ssim / double(seeds.size());
      }
    }
    for (size_t m = 0; m < names.size(); ++m) {
      std::printf("| %lld | %s | %.2f | %.4f |\n", (long long)views, names[m].c_str(), sums[m].psnr, sums[m].ssim);
    }
    std::fflush(stdout);
  }
  std::printf("\n(mean over random-ellipse seeds 1-3; 256^2 pixels of 1 mm, 367 detectors of 1 mm over 180 degrees,\n"
              " exact sinograms averaged over 4 points per detector, %s; PSNR/SSIM with data range = truth max - min)\n",
              photons > 0.0 ? ("photon noise at " + std::to_string(photons) + " photons per element").c_str() : "no noise");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int repeats = 20;
  std::string mode, folder;
  double photons = 0.0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (arg == "--repeats" && i + 1 < argc) repeats = std::stoi(argv[++i]);
    else if (arg == "--photons" && i + 1 < argc) photons = std::stod(argv[++i]);
    else if (arg == "--throughput" || arg == "--table") mode = arg;
    else if (arg == "--fbp-golden" && i + 1 < argc) mode = arg, folder = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s --throughput | --fbp-golden DIR | --table [--photons I0] [--threads N] [--repeats N]\n",
                   argv[0]);
      return 2;
    }
  }
  at::set_num_threads(threads);
  if (mode == "--throughput") return throughput(repeats);
  if (mode == "--fbp-golden") return fbp_golden(folder);
  if (mode == "--table") return table(photons);
  std::fprintf(stderr, "choose --throughput, --fbp-golden DIR or --table\n");
  return 2;
}
