// The shipped priors against classical denoising, and their speed, in one run:
//  - one-step denoising D(y, sigma) of noisy images against total-variation denoising at its best weight
//    (an oracle choice, the strongest fair baseline), PSNR in dB at given noise levels (relative to the
//    99th percentile of the magnitude, the priors' normalisation);
//  - wall time of one prior evaluation at 256 x 256 without and with a gradient (what DPS needs), and
//    the process's peak resident memory.
// Usage: diffrecon_prior_benchmark --prior model.json [--images A,B,...] [--sigmas 0.05,0.1]
//        [--threads N] [--repeats N] [--seed S]
// Images: 2-D files; complex priors see them as complex images (zero phase unless the file is complex),
// real priors see magnitudes. Noise is Gaussian with standard deviation sigma per real channel.
#include "bench/timing.h"
#include "io/image_file.h"
#include "priors/prior_file.h"
#include "recon/core/operator_algebra.h"
#include "recon/core/seeded_random.h"
#include "recon/core/tensor_math.h"
#include "recon/solvers/total_variation.h"
#include "validation/image_metrics.h"

#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace diffrecon;
using namespace diffrecon::bench;

namespace {

const char* kItkData = "/usr/share/doc/insighttoolkit5-examples/examples/Data/";

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
    if (!item.empty()) items.push_back(item);
  return items;
}

double peak_resident_megabytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0.0;
}

// The image as the prior sees it: [1, Ch, H, W], normalised so the 99th percentile of |x| is 1.
torch::Tensor prepare(const torch::Tensor& image, bool complex_prior) {
  auto normalised = image / magnitude_percentile(image, 99.0);
  if (complex_prior) {
    auto as_complex = normalised.is_complex() ? normalised : torch::complex(normalised, torch::zeros_like(normalised));
    return complex_to_channels(as_complex).unsqueeze(0);
  }
  return normalised.abs().unsqueeze(0).unsqueeze(0);
}

torch::Tensor magnitude_of(const torch::Tensor& x, bool complex_prior) {
  return complex_prior ? channels_to_complex(x[0]).abs() : x[0][0];
}

// TV denoising of the noisy image at the best of a log-spaced grid of weights (refined once).
std::pair<double, double> best_total_variation(const torch::Tensor& noisy, const torch::Tensor& clean, bool complex_prior) {
  const auto y = complex_prior ? channels_to_complex(noisy[0]) : noisy[0][0];
  const auto reference = magnitude_of(clean, complex_prior);
  const auto op = identity(Shape(y.sizes().vec()));
  auto score = [&](double lambda) {
    TotalVariationOptions options;
    options.lambda = lambda;
    options.max_iterations = 300;
    options.tolerance = 1e-4;
    const auto x = total_variation_reconstruction(*op, y, options).x;
    return psnr(x.abs(), reference, reference.max().item<double>());
  };
  double best_lambda = 0, best = -1e9;
  for (double lambda = 0.005; lambda <= 0.3; lambda *= 1.6) {
    const double value = score(lambda);
    if (value > best) best = value, best_lambda = lambda;
  }
  for (double factor : {0.8, 1.25}) {
    const double value = score(best_lambda * factor);
    if (value > best) best = value, best_lambda = best_lambda * factor;
  }
  return {best, best_lambda};
}

}  // namespace

int main(int argc, char** argv) {
  std::string prior_path, images = std::string(kItkData) + "BrainT1Slice.png," + kItkData +
                                   "BrainProtonDensitySlice.png," + kItkData + "itkBrainSliceComplex.mha";
  std::vector<double> sigmas{0.05, 0.1};
  int threads = 0, repeats = 5;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--prior")) prior_path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--images")) images = argv[i + 1];
    else if (!std::strcmp(argv[i], "--sigmas")) {
      sigmas.clear();
      for (const auto& s : split(argv[i + 1])) sigmas.push_back(std::stod(s));
    } else if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeats")) repeats = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::stoull(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (prior_path.empty()) {
    std::fprintf(stderr, "usage: diffrecon_prior_benchmark --prior model.json [--images A,B] [--sigmas 0.05,0.1]\n");
    return 2;
  }
  if (threads > 0) at::set_num_threads(threads);
  const auto prior = load_prior(prior_path);
  const auto& denoiser = *prior.denoiser;
  const bool complex_prior = prior.card.complex;
  std::printf("prior %s (%s), %ld steps, %.2f h training; %d threads\n\n", prior.card.name.c_str(),
              denoiser.description().c_str(), static_cast<long>(prior.card.training.steps), prior.card.training.hours,
              at::get_num_threads());

  std::printf("| image | sigma | noisy PSNR | TV PSNR (best lambda) | prior PSNR | prior - TV |\n");
  std::printf("|---|---|---|---|---|---|\n");
  SeededRandom random(seed);
  for (const auto& file : split(images)) {
    const auto clean = prepare(read_image(file).data, complex_prior);
    const auto reference = magnitude_of(clean, complex_prior);
    const double range = reference.max().item<double>();
    for (double sigma : sigmas) {
      const auto noisy = clean + sigma * random.normal(clean.sizes().vec());
      torch::Tensor denoised;
      {
        torch::NoGradGuard no_grad;
        denoised = denoiser.denoise(noisy, sigma);
      }
      const double noisy_psnr = psnr(magnitude_of(noisy, complex_prior), reference, range);
      const double prior_psnr = psnr(magnitude_of(denoised, complex_prior), reference, range);
      const auto [tv_psnr, lambda] = best_total_variation(noisy, clean, complex_prior);
      const auto name = file.substr(file.find_last_of('/') + 1);
      std::printf("| %s | %.3f | %.2f | %.2f (%.3g) | %.2f | %+.2f |\n", name.c_str(), sigma, noisy_psnr, tv_psnr, lambda,
                  prior_psnr, prior_psnr - tv_psnr);
    }
  }

  const auto x = torch::randn({1, denoiser.channels(), 256, 256});
  const double inference_ms = median_ms(
      [&] {
        torch::NoGradGuard no_grad;
        (void)denoiser.denoise(x, 0.5);
      },
      repeats);
  const double gradient_ms = median_ms(
      [&] {
        auto input = x.clone().requires_grad_(true);
        auto output = denoiser.denoise(input, 0.5);
        (void)torch::autograd::grad({output.sum()}, {input});
      },
      repeats);
  std::printf("\n| prior evaluation at 256 x 256 | ms |\n|---|---|\n");
  std::printf("| D(x, sigma), no gradient | %.1f |\n| D(x, sigma) and its vector-Jacobian product | %.1f |\n",
              inference_ms, gradient_ms);
  std::printf("\npeak resident memory of this process: %.0f MB\n", peak_resident_megabytes());
  return 0;
}
