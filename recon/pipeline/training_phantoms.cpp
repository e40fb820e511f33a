#include "recon/pipeline/training_phantoms.h"

#include "core/error.h"
#include "ct/body_phantom.h"
#include "ct/ellipse_phantom.h"
#include "ct/hounsfield.h"
#include "ct/portable_random.h"
#include "io/image_file.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

namespace diffrecon {

std::shared_ptr<const ct::HeadAtlas> load_head_atlas(const HeadAtlasFiles& files) {
  const auto t1 = read_image(files.t1);
  const auto brain = read_image(files.brain);
  if (t1.data.dim() != 3) throw InputError("head atlas: '" + files.t1.string() + "' is not a 3-D volume");
  if (brain.data.sizes() != t1.data.sizes())
    throw InputError("head atlas: '" + files.brain.string() + "' has shape " + c10::str(brain.data.sizes()) +
                     ", expected the T1 head's " + c10::str(t1.data.sizes()));
  const auto& spacing = t1.geometry.spacing;
  const double finest = *std::min_element(spacing.begin(), spacing.end());
  const double coarsest = *std::max_element(spacing.begin(), spacing.end());
  if (!(finest > 0) || coarsest > 1.01 * finest)
    throw InputError("head atlas: '" + files.t1.string() + "' must have isotropic voxels");
  try {
    return std::make_shared<ct::HeadAtlas>(t1.data, brain.data, finest);
  } catch (const std::invalid_argument& e) {
    throw InputError("head atlas '" + files.t1.string() + "': " + e.what());
  }
}

HeadAtlasFiles HeadAtlasFiles::parse(const std::string& text) {
  const auto comma = text.find(',');
  if (comma == std::string::npos || comma == 0 || comma + 1 == text.size() || text.find(',', comma + 1) != std::string::npos)
    throw InputError("--head-atlas expects T1,BRAIN (two volume files), got '" + text + "'");
  return {text.substr(0, comma), text.substr(comma + 1)};
}

PhantomMix PhantomMix::parse(const std::string& text) {
  std::vector<double> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      values.push_back(std::stod(item, &used));
      if (used != item.size()) values.push_back(-1.0);
    } catch (const std::exception&) {
      values.push_back(-1.0);
    }
  }
  const bool ok = values.size() == 3 && std::all_of(values.begin(), values.end(), [](double v) { return v >= 0 && std::isfinite(v); }) &&
                  values[0] + values[1] + values[2] > 0;
  if (!ok) throw InputError("phantom mix: expected HEADS,BODIES,ELLIPSES as three weights >= 0 with a positive sum, got '" + text + "'");
  return {values[0], values[1], values[2]};
}

torch::Tensor phantom_hounsfield(const std::string& family, uint64_t seed, const ct::ImageGrid& grid,
                                 const ct::HeadAtlas* atlas, const PhantomMix& mix, int supersampling) {
  const double field_of_view = std::min(grid.width_mm(), grid.height_mm());
  auto chosen = family;
  if (family == "mix") {
    // The family from its own stream, so each generator still sees the plain seed.
    const double total = mix.heads + mix.bodies + mix.ellipses;
    const double pick = ct::PortableUniform(seed ^ 0x9E3779B97F4A7C15ull).next() * total;
    chosen = pick < mix.heads ? "head" : pick < mix.heads + mix.bodies ? "body" : "ellipses";
  }
  if (chosen == "head") {
    if (!atlas) throw InputError("a head phantom needs the head atlas");
    return ct::random_head_hounsfield(seed, *atlas, grid, {}, supersampling);
  }
  if (chosen == "body") {
    ct::RandomBodyOptions options;
    options.field_of_view_mm = field_of_view;
    options.lesion_radius_mm_max = std::min(options.lesion_radius_mm_max, 0.09 * field_of_view);
    options.lesion_radius_mm_min = std::min(options.lesion_radius_mm_min, options.lesion_radius_mm_max);
    return ct::random_body_hounsfield(seed, grid, options, supersampling);
  }
  if (chosen == "ellipses") {
    ct::RandomEllipseOptions options;
    options.field_of_view_mm = field_of_view;
    options.lesion_radius_mm_max = std::min(options.lesion_radius_mm_max, 0.09 * field_of_view);
    options.lesion_radius_mm_min = std::min(options.lesion_radius_mm_min, options.lesion_radius_mm_max);
    const auto mu = ct::rasterize(ct::random_ellipse_phantom(seed, options), grid, supersampling);
    return ct::attenuation_to_hounsfield(mu, options.mu_water_per_mm);
  }
  throw InputError("phantom family: expected ellipses, body, head or mix, got '" + family + "'");
}

}  // namespace diffrecon
