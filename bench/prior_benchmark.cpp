// The shipped priors against classical denoising, and their speed, in one run:
//  - one-step denoising D(y, sigma) of noisy images against total-variation denoising at its best weight
//    (an oracle choice, the strongest fair baseline), PSNR in dB at given noise levels (relative to the
//    99th percentile of the magnitude, the priors' normalisation);
//  - wall time of one prior evaluation at 256 x 256 without and with a gradient (what DPS needs), and
//    the process's peak resident memory.
//  - for MRI images, the noise the reference itself carries (estimated) and the PSNR ceiling it sets: the
//    clean reference of a real scan is noisy too, so no denoiser can approach it closer than that;
//  - whole-image against tile-by-tile denoising (64 x 64 tiles, the training patch size): whether a
//    network trained on patches keeps its quality on whole images.
// Usage: diffrecon_prior_benchmark --prior model.json [--images A,B:SLICE,...] [--sigmas 0.05,0.1]
//        [--threads N] [--repeats N] [--seed S]
// MRI priors (percentile normalisation): 2-D image files, as complex images (zero phase unless the file is
// complex) for complex priors. CT priors (fixed normalisation): held-out random ellipse phantoms (seeds
// 1-3, never used in training) and the modified Shepp-Logan phantom (as a head in HU), 256 x 256 over
// 256 mm. Noise is Gaussian with standard deviation sigma x (99th percentile of |x|) per real channel.
#include "bench/image_slice.h"
#include "bench/timing.h"
#include "ct/ellipse_phantom.h"
#include "io/image_file.h"
#include "priors/prior_file.h"
#include "core/operator_algebra.h"
#include "core/seeded_random.h"
#include "core/tensor_math.h"
#include "solvers/total_variation.h"
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

// The noise the test image itself carries (a real scan or a simulation with noise), per pixel: the median
// absolute response to Immerkaer's Laplacian-difference kernel (norm 6), robust to edges (Immerkaer 1996,
// "Fast noise variance estimation", with a median instead of the mean).
double own_noise_sigma(const torch::Tensor& image) {
  const auto kernel = torch::tensor({1.0F, -2.0F, 1.0F, -2.0F, 4.0F, -2.0F, 1.0F, -2.0F, 1.0F}).view({1, 1, 3, 3});
  const auto response = torch::conv2d(image.to(torch::kFloat32).view({1, 1, image.size(-2), image.size(-1)}), kernel);
  return response.abs().median().item<double>() / 0.6745 / 6.0;
}

// The best PSNR any denoiser can reach against a reference that carries its own white noise sigma0: even
// knowing the clean image exactly, sigma0's share of the noisy pixel is estimated at best with the Wiener
// error sigma0^2 sigma^2 / (sigma0^2 + sigma^2). Infinite for noise-free references (CT phantoms).
double psnr_ceiling(double sigma0, double sigma, double range) {
  if (sigma0 <= 0) return INFINITY;
  const double floor = sigma0 * sigma0 * sigma * sigma / (sigma0 * sigma0 + sigma * sigma);
  return 10.0 * std::log10(range * range / floor);
}

struct TestImage {
  std::string name;
  torch::Tensor data;  // [1, Ch, H, W] in the prior's normalisation
};

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

// Real priors are compared on their values (CT: HU / 1000 can be negative), complex ones on magnitudes.
torch::Tensor shown(const torch::Tensor& x, bool complex_prior) { return complex_prior ? magnitude_of(x, true) : x[0][0]; }

std::vector<TestImage> ct_test_images(const ModelCard& card) {
  std::vector<TestImage> images;
  const auto grid = ct::ImageGrid::square(256, 1.0);
  auto normalise = [&](const torch::Tensor& mu) {
    return ((mu - card.normalization.offset) / card.normalization.scale).view({1, 1, 256, 256}).to(torch::kFloat32);
  };
  for (uint64_t seed : {1, 2, 3})
    images.push_back({"random phantom seed " + std::to_string(seed),
                      normalise(ct::rasterize(ct::random_ellipse_phantom(seed), grid, 4))});
  // Modified Shepp-Logan read as a head: its values v map to mu = mu_water (1 + (v - 0.2) / 0.8), so brain
  // (v = 0.2) is water (0 HU), skull (v = 1) +1000 HU, ventricles (v = 0) -250 HU, air outside -1000 HU;
  // the small features are 12-37 HU. One extra ellipse the shape of the skull adds the offset inside the head.
  const double mu_water = 0.0192;
  auto head = ct::modified_shepp_logan(128.0, mu_water / 0.8);
  auto offset = head.ellipses.front();
  offset.attenuation_per_mm = mu_water - 0.2 * mu_water / 0.8;
  head.ellipses.push_back(offset);
  images.push_back({"modified Shepp-Logan (head, HU)", normalise(ct::rasterize(head, grid, 4))});
  return images;
}

// Denoises 64 x 64 tiles one at a time and stitches them: what the network saw in training.
torch::Tensor denoise_by_tiles(const Denoiser& denoiser, const torch::Tensor& noisy, double sigma, int64_t tile) {
  auto result = torch::empty_like(noisy);
  for (int64_t top = 0; top < noisy.size(2); top += tile)
    for (int64_t left = 0; left < noisy.size(3); left += tile) {
      const int64_t h = std::min(tile, noisy.size(2) - top), w = std::min(tile, noisy.size(3) - left);
      result.narrow(2, top, h).narrow(3, left, w).copy_(denoiser.denoise(noisy.narrow(2, top, h).narrow(3, left, w), sigma));
    }
  return result;
}

// TV denoising of the noisy image at the best of a log-spaced grid of weights (refined once).
std::pair<double, double> best_total_variation(const torch::Tensor& noisy, const torch::Tensor& clean, bool complex_prior) {
  const auto y = complex_prior ? channels_to_complex(noisy[0]) : noisy[0][0];
  const auto reference = shown(clean, complex_prior);
  const double range = (reference.max() - reference.min()).item<double>();
  const auto op = identity(Shape(y.sizes().vec()));
  auto score = [&](double lambda) {
    TotalVariationOptions options;
    options.lambda = lambda;
    options.max_iterations = 300;
    options.tolerance = 1e-4;
    const auto x = total_variation_reconstruction(*op, y, options).x;
    return psnr(complex_prior ? x.abs() : x, reference, range);
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
                                   "BrainProtonDensitySlice.png," + kItkData + "itkBrainSliceComplex.mha," + kItkData +
                                   "BrainMidSagittalSlice.png";
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

  std::vector<TestImage> test_images;
  if (prior.card.normalization.kind == "fixed") {
    test_images = ct_test_images(prior.card);
  } else {
    for (const auto& spec : split(images))  // FILE or FILE:SLICE (bench/image_slice.h)
      test_images.push_back({spec.substr(spec.find_last_of('/') + 1), prepare(bench::read_image_slice(spec), complex_prior)});
  }
  std::printf("| image | sigma | noisy PSNR | TV PSNR (best lambda) | prior PSNR | prior - TV | ceiling (own noise) |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  SeededRandom random(seed);
  std::vector<double> margins;
  for (const auto& image : test_images) {
    const auto& clean = image.data;
    const auto reference = shown(clean, complex_prior);
    const double range = (reference.max() - reference.min()).item<double>();
    const double level = magnitude_percentile(clean, 99.0);
    const double own_noise = prior.card.normalization.kind == "fixed" ? 0.0 : own_noise_sigma(reference);
    for (double sigma : sigmas) {
      const double absolute = sigma * level;
      const auto noisy = clean + absolute * random.normal(clean.sizes().vec());
      torch::Tensor denoised;
      {
        torch::NoGradGuard no_grad;
        denoised = denoiser.denoise(noisy, absolute);
      }
      const double noisy_psnr = psnr(shown(noisy, complex_prior), reference, range);
      const double prior_psnr = psnr(shown(denoised, complex_prior), reference, range);
      const auto [tv_psnr, lambda] = best_total_variation(noisy, clean, complex_prior);
      margins.push_back(prior_psnr - tv_psnr);
      std::printf("| %s | %.3f | %.2f | %.2f (%.3g) | %.2f | %+.2f | %.2f (%.4f) |\n", image.name.c_str(), sigma, noisy_psnr,
                  tv_psnr, lambda, prior_psnr, prior_psnr - tv_psnr, psnr_ceiling(own_noise, absolute, range), own_noise);
    }
  }
  std::printf("\nsmallest margin over TV: %+.2f dB (target: +1 dB)\n", *std::min_element(margins.begin(), margins.end()));

  {
    torch::NoGradGuard no_grad;
    const auto& clean = test_images.front().data;
    const double absolute = sigmas.back() * magnitude_percentile(clean, 99.0);
    const auto noisy = clean + absolute * random.normal(clean.sizes().vec());
    const auto reference = shown(clean, complex_prior);
    const double range = (reference.max() - reference.min()).item<double>();
    const double whole = psnr(shown(denoiser.denoise(noisy, absolute), complex_prior), reference, range);
    const double tiled = psnr(shown(denoise_by_tiles(denoiser, noisy, absolute, 64), complex_prior), reference, range);
    std::printf("\nwhole image vs 64 x 64 tiles (%s, sigma %.3f): %.2f dB vs %.2f dB\n", test_images.front().name.c_str(),
                sigmas.back(), whole, tiled);
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
