#include "priors/training_images.h"

#include "core/tensor_math.h"

#include <torch/nn/functional/vision.h>

#include <cmath>
#include <stdexcept>

namespace diffrecon {
namespace {

int64_t random_index(SeededRandom& random, int64_t count) {
  const auto value = static_cast<int64_t>(random.uniform({1}).item<double>() * static_cast<double>(count));
  return std::min(value, count - 1);
}

bool coin(SeededRandom& random) { return random.uniform({1}).item<double>() < 0.5; }

}  // namespace

torch::Tensor draw_batch(const TrainingImageSource& source, int64_t batch, SeededRandom& random) {
  std::vector<torch::Tensor> images;
  images.reserve(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) images.push_back(source.draw(random));
  return torch::stack(images);
}

torch::Tensor random_dihedral(const torch::Tensor& image, SeededRandom& random) {
  auto result = image;
  if (coin(random)) result = result.flip({-1});
  if (coin(random)) result = result.flip({-2});
  if (image.size(-1) == image.size(-2) && coin(random)) result = result.transpose(-1, -2);
  return result.contiguous();
}

torch::Tensor random_smooth_phase(int64_t height, int64_t width, SeededRandom& random, double strength) {
  auto coarse = random.normal({1, 1, 4, 4}, torch::kFloat32) * (strength / 2);
  auto field = torch::upsample_bicubic2d(coarse, {height, width}, /*align_corners=*/true)[0][0];
  return field + (random.uniform({1}, torch::kFloat32) * 2 - 1) * strength;
}

torch::Tensor random_deformation(const torch::Tensor& slice, SeededRandom& random) {
  const int64_t height = slice.size(0), width = slice.size(1);
  const auto u = random.uniform({5}, torch::kFloat64);
  auto value = [&](int64_t i, double half_range) { return (u[i].item<double>() * 2 - 1) * half_range; };
  const double scale = 1.0 + value(0, 0.15);
  const double angle = value(1, 15.0 * M_PI / 180.0);
  const double shear_x = value(2, 0.012), shear_y = value(3, 0.012);
  const double elastic_px = 3.0 * u[4].item<double>();
  // affine_grid maps output to input in normalised [-1, 1] coordinates: A = R(angle) * Shear / scale.
  const double c = std::cos(angle) / scale, s = std::sin(angle) / scale;
  const auto theta = torch::tensor({{c - s * shear_y, c * shear_x - s, 0.0}, {s + c * shear_y, s * shear_x + c, 0.0}},
                                   torch::kFloat32)
                         .unsqueeze(0);
  auto grid = torch::nn::functional::affine_grid(theta, {1, 1, height, width}, /*align_corners=*/false);
  if (elastic_px > 0) {
    const auto nodes_y = std::max<int64_t>(3, std::lround(0.04 * static_cast<double>(height)));
    const auto nodes_x = std::max<int64_t>(3, std::lround(0.04 * static_cast<double>(width)));
    // Pixel displacements -> normalised units (2 / size per pixel), per axis (x first, as grid_sample wants).
    auto coarse = random.normal({1, 2, nodes_y, nodes_x}, torch::kFloat32) * elastic_px;
    auto field = torch::upsample_bicubic2d(coarse, {height, width}, /*align_corners=*/true)[0];
    field[0] *= 2.0 / static_cast<double>(width);
    field[1] *= 2.0 / static_cast<double>(height);
    grid = grid + field.permute({1, 2, 0}).unsqueeze(0);
  }
  namespace F = torch::nn::functional;
  return F::grid_sample(slice.view({1, 1, height, width}), grid,
                        F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false))
      .view({height, width});
}

torch::Tensor random_bias_field(int64_t height, int64_t width, SeededRandom& random, double max_std) {
  const double std_dev = max_std * random.uniform({1}, torch::kFloat64).item<double>();
  auto coarse = random.normal({1, 1, 4, 4}, torch::kFloat32) * std_dev;
  return torch::exp(torch::upsample_bicubic2d(coarse, {height, width}, /*align_corners=*/true)[0][0]);
}

torch::Tensor synthetic_contrast(const torch::Tensor& magnitude, SeededRandom& random) {
  // Near the tissue peaks of a T1 atlas slice at its 99th percentile: air, CSF, grey, white matter, fat.
  const auto centres = torch::tensor({0.0F, 0.25F, 0.5F, 0.7F, 1.0F});
  auto signal = random.uniform({centres.size(0)}, torch::kFloat32) * 0.95 + 0.05;
  signal[0] = 0.0;  // air has no signal in any contrast
  const double width = 0.08 + 0.08 * random.uniform({1}, torch::kFloat64).item<double>();
  const double texture = 0.5 * random.uniform({1}, torch::kFloat64).item<double>();
  const auto v = magnitude.unsqueeze(-1);
  const auto membership = torch::softmax(-(v - centres).square() / (2 * width * width), -1);
  const auto mixed = (membership * signal).sum(-1) + texture * (magnitude - (membership * centres).sum(-1));
  // Air fades to zero below a tenth of the percentile, as the signal itself does (no glowing background).
  const auto result = (mixed * (magnitude / 0.1).clamp(0, 1)).clamp_min(0);
  const double scale = magnitude_percentile(result, 99.0);
  return scale > 1e-3 ? result / scale : magnitude;
}

VolumeSliceSource::VolumeSliceSource(std::vector<torch::Tensor> volumes, SliceSourceOptions options,
                                     std::vector<double> spacings_mm)
    : options_(std::move(options)) {
  if (volumes.empty()) throw std::invalid_argument("VolumeSliceSource: no training volumes");
  if (options_.axes.empty()) throw std::invalid_argument("VolumeSliceSource: no slice axes");
  for (auto axis : options_.axes)
    if (axis < 0 || axis > 2) throw std::invalid_argument("VolumeSliceSource: slice axes must be 0, 1 or 2");
  if (options_.patch_size < 0) throw std::invalid_argument("VolumeSliceSource: patch size must be >= 0");
  if (!(options_.min_pixel_mm >= 0 && options_.max_pixel_mm >= options_.min_pixel_mm))
    throw std::invalid_argument("VolumeSliceSource: pixel sizes must satisfy 0 <= min <= max");
  if (!(options_.synthetic_contrast >= 0 && options_.synthetic_contrast <= 1))
    throw std::invalid_argument("VolumeSliceSource: the synthetic contrast probability must be in [0, 1]");
  if (!(options_.deformation >= 0 && options_.deformation <= 1))
    throw std::invalid_argument("VolumeSliceSource: the deformation probability must be in [0, 1]");
  if (!(options_.bias_field >= 0 && options_.gamma_std >= 0))
    throw std::invalid_argument("VolumeSliceSource: bias field and gamma strengths must be >= 0");
  if (spacings_mm.empty()) spacings_mm.assign(volumes.size(), 1.0);
  if (spacings_mm.size() != volumes.size())
    throw std::invalid_argument("VolumeSliceSource: " + std::to_string(spacings_mm.size()) + " spacings for " +
                                std::to_string(volumes.size()) + " volumes");
  for (auto spacing : spacings_mm) {
    if (!(spacing > 0)) throw std::invalid_argument("VolumeSliceSource: voxel spacings must be positive");
    const double low = std::max(1.0, options_.min_pixel_mm / spacing);
    downscale_.emplace_back(low, std::max(low, options_.max_pixel_mm / spacing));
  }
  for (auto& volume : volumes) {
    if (volume.dim() != 3) throw std::invalid_argument("VolumeSliceSource: training volumes must be 3-D [D, H, W]");
    auto magnitude = volume.abs().to(torch::kFloat32);
    const double scale = magnitude_percentile(magnitude, options_.percentile);
    if (!(scale > 0)) throw std::invalid_argument("VolumeSliceSource: a training volume is empty");
    for (auto axis : options_.axes)
      if (options_.patch_size > 0 && (magnitude.size((axis + 1) % 3) < options_.patch_size ||
                                      magnitude.size((axis + 2) % 3) < options_.patch_size))
        throw std::invalid_argument("VolumeSliceSource: patch size " + std::to_string(options_.patch_size) +
                                    " exceeds a slice of a training volume");
    volumes_.push_back((magnitude / scale).contiguous());
  }
}

torch::Tensor VolumeSliceSource::draw(SeededRandom& random) const {
  // Rejection sampling of crops that are mostly background (the atlas is ~50 % air).
  for (int attempt = 0;; ++attempt) {
    const auto index = static_cast<size_t>(random_index(random, static_cast<int64_t>(volumes_.size())));
    const auto& volume = volumes_[index];
    const auto [min_downscale, max_downscale] = downscale_[index];
    const auto axis = options_.axes[static_cast<size_t>(random_index(random, static_cast<int64_t>(options_.axes.size())))];
    auto slice = volume.select(axis, random_index(random, volume.size(axis)));
    if (options_.deformation > 0 && random.uniform({1}, torch::kFloat64).item<double>() < options_.deformation)
      slice = random_deformation(slice, random);
    if (options_.bias_field > 0) slice = slice * random_bias_field(slice.size(0), slice.size(1), random, options_.bias_field);
    if (max_downscale > 1) {
      const double u = random.uniform({1}, torch::kFloat64).item<double>();
      const double factor =
          std::exp(std::log(min_downscale) + u * (std::log(max_downscale) - std::log(min_downscale)));
      const auto height = static_cast<int64_t>(std::lround(static_cast<double>(slice.size(0)) / factor));
      const auto width = static_cast<int64_t>(std::lround(static_cast<double>(slice.size(1)) / factor));
      if (height < std::max<int64_t>(options_.patch_size, 8) || width < std::max<int64_t>(options_.patch_size, 8)) continue;
      slice = torch::adaptive_avg_pool2d(slice.unsqueeze(0).unsqueeze(0), {height, width})[0][0];
    }
    // Each slice is normalised on its own, exactly as an image is at reconstruction time; nearly empty
    // slices (its percentile far below the volume's, which is 1 after normalisation) are skipped.
    const double scale = magnitude_percentile(slice, options_.percentile);
    if (scale < 0.2 && attempt < 50) continue;
    slice = slice / std::max(scale, 1e-6);
    if (options_.synthetic_contrast > 0 &&
        random.uniform({1}, torch::kFloat64).item<double>() < options_.synthetic_contrast)
      slice = synthetic_contrast(slice, random);
    if (options_.gamma_std > 0) {
      // x^gamma keeps 0 and 1 (the percentile) fixed and reshapes the tissue contrasts between them.
      const double gamma = std::exp(options_.gamma_std * random.normal({1}, torch::kFloat64).item<double>());
      slice = slice.clamp_min(0).pow(gamma);
    }
    if (options_.patch_size > 0) {
      const int64_t top = random_index(random, slice.size(0) - options_.patch_size + 1);
      const int64_t left = random_index(random, slice.size(1) - options_.patch_size + 1);
      slice = slice.narrow(0, top, options_.patch_size).narrow(1, left, options_.patch_size);
    } else {
      const int64_t side = std::max(slice.size(0), slice.size(1));
      slice = torch::constant_pad_nd(slice, {0, side - slice.size(1), 0, side - slice.size(0)}, 0);
    }
    const double foreground = (slice > 0.05).to(torch::kFloat32).mean().item<double>();
    if (foreground < options_.min_foreground && attempt < 50) continue;
    auto image = random_dihedral(slice.unsqueeze(0), random);
    if (!options_.complex) return image;
    const auto phase = random_smooth_phase(image.size(1), image.size(2), random);
    return torch::cat({image * torch::cos(phase), image * torch::sin(phase)}, 0);
  }
}

GeneratedImageSource::GeneratedImageSource(std::function<torch::Tensor(uint64_t)> generate, int64_t channels, bool augment,
                                           int64_t patch_size, int64_t patches_per_image)
    : generate_(std::move(generate)), channels_(channels), augment_(augment), patch_size_(patch_size),
      patches_per_image_(patches_per_image) {
  if (!generate_) throw std::invalid_argument("GeneratedImageSource: no generator");
  if (patch_size_ < 0) throw std::invalid_argument("GeneratedImageSource: patch size must be >= 0");
  if (patches_per_image_ < 1) throw std::invalid_argument("GeneratedImageSource: patches per image must be >= 1");
  if (patches_per_image_ > 1 && patch_size_ == 0)
    throw std::invalid_argument("GeneratedImageSource: several draws per image need a patch size");
}

torch::Tensor GeneratedImageSource::generated(SeededRandom& random) const {
  const auto seed = static_cast<uint64_t>(random.uniform({1}, torch::kFloat64).item<double>() * 9007199254740992.0);
  auto image = generate_(seed).to(torch::kFloat32);
  if (image.dim() == 2) image = image.unsqueeze(0);
  if (image.dim() != 3 || image.size(0) != channels_)
    throw std::invalid_argument("GeneratedImageSource: generator returned " + c10::str(image.sizes()) + ", expected [" +
                                std::to_string(channels_) + ", H, W]");
  return image;
}

torch::Tensor GeneratedImageSource::draw(SeededRandom& random) const {
  torch::Tensor image;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (uses_left_ == 0) {
      image_ = generated(random);
      uses_left_ = patches_per_image_;
    }
    image = image_;
    --uses_left_;
  }
  if (patch_size_ > 0) {
    if (image.size(1) < patch_size_ || image.size(2) < patch_size_)
      throw std::invalid_argument("GeneratedImageSource: patch size " + std::to_string(patch_size_) +
                                  " exceeds the generated image " + c10::str(image.sizes()));
    const int64_t top = random_index(random, image.size(1) - patch_size_ + 1);
    const int64_t left = random_index(random, image.size(2) - patch_size_ + 1);
    image = image.narrow(1, top, patch_size_).narrow(2, left, patch_size_);
  }
  return augment_ ? random_dihedral(image, random) : image;
}

}  // namespace diffrecon
