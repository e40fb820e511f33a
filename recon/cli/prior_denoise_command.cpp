// diffrecon prior denoise: the prior's one-step denoiser D(y, sigma) on an image with added Gaussian
// noise, reporting PSNR before and after at each noise level (relative to the prior's normalisation).
#include "io/image_file.h"
#include "priors/prior_file.h"
#include "recon/cli/prior_command.h"
#include "recon/cli/runtime_options.h"
#include "core/seeded_random.h"
#include "core/tensor_math.h"
#include "validation/image_metrics.h"

#include <cstdio>

namespace diffrecon::cli {

namespace {

const CommandSpec& denoise_spec() {
  static const CommandSpec spec{
      "prior denoise",
      {"prior denoise --prior model.json --image FILE [options]"},
      "",
      {{"required", {{"--prior", "CARD", "the model card"}, {"--image", "FILE", "a 2-D image"}}},
       {"options",
        {{"--sigmas", "LIST", "noise standard deviations per real channel, relative to the 99th percentile of the\nnormalised image's magnitude (default 0.05,0.1)"},
         {"--seed", "S", "noise seed (default 0)"},
         {"--out", "FILE.png", "sheet of noisy (top) and denoised (bottom) magnitudes, one column per sigma"},
         {"--force", "", "overwrite --out"}}},
       runtime_option_group()},
      ""};
  return spec;
}

}  // namespace

int run_prior_denoise(const std::vector<std::string>& arguments) {
  CommandLine line(arguments, denoise_spec());
  if (line.take_flag("--help")) {
    std::fputs(denoise_spec().help().c_str(), stdout);
    return 0;
  }
  const auto runtime = take_runtime_options(line);
  const auto prior_path = line.take_option("--prior");
  const auto image_path = line.take_option("--image");
  if (!prior_path || !image_path)
    throw UsageError("prior denoise: --prior and --image are required\n\n" + denoise_spec().help());
  const auto sigmas = line.take_double_list_option("--sigmas", 0.0).value_or(std::vector<double>{0.05, 0.1});
  SeededRandom random(static_cast<uint64_t>(line.take_int_option("--seed", 0).value_or(0)));
  const auto out = line.take_option("--out");
  const auto overwrite = line.take_flag("--force") ? Overwrite::Allow : Overwrite::Refuse;
  line.expect_consumed("prior denoise");

  const auto prior = load_prior(*prior_path, runtime.device);
  if (!prior.denoiser)
    throw UsageError("prior denoise: '" + *prior_path + "' is a discrete (VQ) prior, for --method g2d2 of diffrecon mri "
                     "and ct; prior denoise needs a continuous one");
  const auto image = read_image(*image_path).data;
  if (image.dim() != 2) throw UsageError("prior denoise: '" + *image_path + "' is not a 2-D image");
  // The prior's own normalisation (MRI: percentile of the magnitude; CT: fixed, images in 1/mm).
  const auto normalised = prior.card.normalization.for_image(image).normalize(image);
  const double level = magnitude_percentile(normalised, 99.0);
  torch::Tensor clean;
  if (prior.card.complex)
    clean = complex_to_channels(normalised.is_complex() ? normalised : torch::complex(normalised, torch::zeros_like(normalised)));
  else
    clean = (normalised.is_complex() ? normalised.abs() : normalised).unsqueeze(0);  // CT values keep their sign
  clean = clean.unsqueeze(0).to(torch::kFloat32);
  if (clean.size(1) != prior.denoiser->channels())
    throw UsageError("prior denoise: '" + *image_path + "' gives " + std::to_string(clean.size(1)) +
                     " channels but the prior expects " + std::to_string(prior.denoiser->channels()));
  // Complex priors are compared on magnitudes, real ones on values (CT in HU / 1000 can be negative).
  auto magnitude = [&](const torch::Tensor& x) {
    return prior.card.complex ? channels_to_complex(x[0]).abs() : x[0][0];
  };
  const auto reference = magnitude(clean);
  const double range = (reference.max() - reference.min()).item<double>();
  std::vector<torch::Tensor> noisy_row, denoised_row;
  std::printf("| sigma | noisy PSNR | denoised PSNR | gain |\n|---|---|---|---|\n");
  for (double sigma : sigmas) {
    const auto noisy = clean + sigma * level * random.normal(clean.sizes().vec());
    torch::Tensor denoised;
    {
      torch::NoGradGuard no_grad;
      denoised = prior.denoiser->denoise(noisy.to(runtime.device), sigma * level).cpu();
    }
    const double before = psnr(magnitude(noisy), reference, range), after = psnr(magnitude(denoised), reference, range);
    std::printf("| %.3f | %.2f | %.2f | %+.2f |\n", sigma, before, after, after - before);
    noisy_row.push_back(magnitude(noisy));
    denoised_row.push_back(magnitude(denoised));
  }
  if (out) {
    noisy_row.insert(noisy_row.end(), denoised_row.begin(), denoised_row.end());
    write_png(*out, tile_images(torch::stack(noisy_row), static_cast<int64_t>(sigmas.size())),
              DisplayWindow{reference.min().item<double>(), reference.max().item<double>()},
              overwrite);
  }
  return 0;
}

}  // namespace diffrecon::cli
