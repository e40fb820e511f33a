#include "priors/unconditional_sampler.h"

#include "core/seeded_random.h"

#include <stdexcept>

namespace diffrecon {

torch::Tensor sample_unconditional(const Denoiser& denoiser, int64_t count, int64_t height, int64_t width,
                                   const UnconditionalSamplingOptions& options, torch::Device device) {
  if (count < 1 || height < 1 || width < 1) throw std::invalid_argument("sample_unconditional: empty sample shape");
  torch::NoGradGuard no_grad;
  const auto sigmas = EdmSchedule(options.sigma_min, options.sigma_max, options.rho).sigma_grid(options.steps);
  SeededRandom random(options.seed);
  auto x = random.normal({count, denoiser.channels(), height, width}, torch::kFloat32).to(device) * sigmas.front();
  for (size_t i = 0; i < sigmas.size(); ++i) {
    const double sigma = sigmas[i];
    const double next = i + 1 < sigmas.size() ? sigmas[i + 1] : 0.0;
    const auto slope = (x - denoiser.denoise(x, sigma)) / sigma;  // Karras eq. 3 with s = 1, sigma(t) = t
    auto proposal = x + (next - sigma) * slope;
    if (next > 0) {  // Heun correction (Algorithm 1, lines 9-11)
      const auto next_slope = (proposal - denoiser.denoise(proposal, next)) / next;
      proposal = x + (next - sigma) * 0.5 * (slope + next_slope);
    }
    x = proposal;
    if (!torch::isfinite(x).all().item<bool>())
      throw std::runtime_error("sample_unconditional: NaN or Inf at step " + std::to_string(i + 1) + " (sigma " +
                               std::to_string(sigma) + ")");
    if (options.progress) options.progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(sigmas.size()));
  }
  return x;
}

}  // namespace diffrecon
