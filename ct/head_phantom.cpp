#include "ct/head_phantom.h"

#include "ct/hounsfield_canvas.h"
#include "ct/portable_random.h"

#include <ATen/ops/grid_sampler_2d.h>
#include <ATen/ops/max_pool2d.h>

#include <cmath>
#include <deque>
#include <stdexcept>
#include <string>

namespace diffrecon::ct {
namespace {

constexpr double kPi = 3.14159265358979323846;

torch::Tensor dilate(const torch::Tensor& mask, int64_t radius) {
  if (radius <= 0) return mask;
  const auto as_float = mask.to(torch::kFloat32).unsqueeze(0).unsqueeze(0);
  return at::max_pool2d(as_float, {2 * radius + 1, 2 * radius + 1}, {1, 1}, {radius, radius}).squeeze(0).squeeze(0) > 0.5;
}

torch::Tensor erode(const torch::Tensor& mask, int64_t radius) { return dilate(mask.logical_not(), radius).logical_not(); }

// The pixels of `open` reachable from the slice border through `open` (4-neighbour flood fill).
torch::Tensor reachable_from_border(const torch::Tensor& open) {
  const auto in = open.contiguous();
  const int64_t rows = in.size(0), columns = in.size(1);
  auto out = torch::zeros_like(in);
  const bool* o = in.data_ptr<bool>();
  bool* seen = out.data_ptr<bool>();
  std::deque<int64_t> queue;
  auto visit = [&](int64_t i, int64_t j) {
    const int64_t k = i * columns + j;
    if (o[k] && !seen[k]) seen[k] = true, queue.push_back(k);
  };
  for (int64_t i = 0; i < rows; ++i) visit(i, 0), visit(i, columns - 1);
  for (int64_t j = 0; j < columns; ++j) visit(0, j), visit(rows - 1, j);
  while (!queue.empty()) {
    const int64_t k = queue.front();
    queue.pop_front();
    const int64_t i = k / columns, j = k % columns;
    if (i > 0) visit(i - 1, j);
    if (i + 1 < rows) visit(i + 1, j);
    if (j > 0) visit(i, j - 1);
    if (j + 1 < columns) visit(i, j + 1);
  }
  return out;
}

// Linear interpolation through (x0, y0), (x1, y1), constant outside.
torch::Tensor ramp(const torch::Tensor& x, double x0, double y0, double x1, double y1) {
  return y0 + (y1 - y0) * ((x - x0) / (x1 - x0)).clamp(0.0, 1.0);
}

// One atlas slice in HU, on the atlas's own pixels. `t` is T1 over its brain median (grey matter
// ~0.9, white matter ~1.2, CSF and bone below ~0.5, fat above ~1.4; measured on ch2.nii.gz).
torch::Tensor slice_hounsfield(const torch::Tensor& t, const torch::Tensor& brain, PortableUniform& random,
                               double spacing_mm, const RandomHeadOptions& options) {
  const double air_level = random.between(0.18, 0.26), bone_level = random.between(0.45, 0.6);
  const int64_t csf_rim = random.count_between(1, 3);
  const double hu_csf = random.between(0.0, 15.0), hu_grey = random.between(35.0, 45.0);
  const double hu_white = random.between(22.0, 32.0), hu_soft = random.between(35.0, 60.0);
  const double hu_fat = random.between(-120.0, -70.0), hu_cortical = random.between(1200.0, 1800.0);
  const double hu_marrow = random.between(250.0, 600.0), hu_sinus = random.between(-1000.0, -900.0);

  const auto head_raw = t > air_level;
  const auto outside = reachable_from_border(head_raw.logical_not());
  const auto head = outside.logical_not();
  const auto sinus_air = head.logical_and(head_raw.logical_not());
  const auto shell = head.logical_and(brain.logical_not()).logical_and(sinus_air.logical_not());
  const auto near_brain = dilate(brain, csf_rim);
  const auto dark = t < bone_level;
  // Dark pixels next to the brain are CSF; further out they are bone, and closing the bone fills the
  // bright marrow between the two tables of the skull.
  const auto csf_rim_mask = shell.logical_and(near_brain).logical_and(dark);
  const auto bone_raw = shell.logical_and(near_brain.logical_not()).logical_and(dark);
  const auto bone = erode(dilate(bone_raw, 2), 2).logical_and(shell).logical_and(near_brain.logical_not());

  auto hu = torch::full_like(t, -1000.0);
  const auto scalp = ramp(t, 0.9, hu_soft, 1.5, hu_fat);
  hu = torch::where(shell, scalp, hu);
  hu = torch::where(bone, ramp(t, bone_level * 0.5, hu_cortical, 1.2, hu_marrow), hu);
  hu = torch::where(csf_rim_mask, torch::full_like(t, hu_csf), hu);
  const auto tissue = torch::where(t < 0.85, ramp(t, 0.5, hu_csf, 0.85, hu_grey), ramp(t, 0.9, hu_grey, 1.2, hu_white));
  hu = torch::where(brain, tissue, hu);
  hu = torch::where(sinus_air, torch::full_like(t, hu_sinus), hu);

  // Texture, then lesions and calcifications in the brain, on a canvas of the slice's own pixels.
  ImageGrid grid{t.size(0), t.size(1), spacing_mm, 0.0, 0.0};
  HounsfieldCanvas canvas(grid, 1);
  canvas.hounsfield() = hu;
  const double correlation = random.between(3.0, 10.0), amplitude = random.between(2.0, 8.0);
  const auto soft_tissue = hu.gt(-150.0).logical_and(hu.lt(150.0));
  canvas.add(soft_tissue, canvas.smooth_field(random, correlation) * amplitude);
  const double bone_amplitude = random.between(30.0, 100.0);
  canvas.add(bone, canvas.smooth_field(random, 4.0) * bone_amplitude);
  const auto brain_pixels = brain.nonzero();
  const int64_t count = brain_pixels.size(0);
  auto lesion = [&](double r_min, double r_max, double hu_min, double hu_max, bool signed_contrast) {
    if (count == 0) return;
    const int64_t at = std::min<int64_t>(count - 1, static_cast<int64_t>(random.next() * double(count)));
    const double r = random.between(r_min, r_max), ratio = random.between(0.6, 1.0);
    const double rotation = random.between(0.0, 180.0);
    const double sign = signed_contrast ? random.sign() : 1.0;  // drawn first: the operands of * are unsequenced
    const double contrast = sign * random.between(hu_min, hu_max);
    const double x = grid.x_of_column(double(brain_pixels[at][1].item<int64_t>()));
    const double y = grid.y_of_row(double(brain_pixels[at][0].item<int64_t>()));
    canvas.add(canvas.ellipse(x, y, r, r * ratio, rotation).logical_and(brain), torch::full({}, contrast));
  };
  const int lesions = random.count_between(options.lesions_min, options.lesions_max);
  for (int k = 0; k < lesions; ++k)
    lesion(options.lesion_radius_mm_min, options.lesion_radius_mm_max, options.lesion_contrast_hu_min,
           options.lesion_contrast_hu_max, true);
  const int calcifications = random.count_between(0, 2);
  for (int k = 0; k < calcifications; ++k) lesion(0.7, 1.5, 100.0, 300.0, false);
  return canvas.hounsfield();
}

}  // namespace

HeadAtlas::HeadAtlas(const torch::Tensor& t1, const torch::Tensor& brain, double spacing_mm)
    : spacing_mm_(spacing_mm) {
  if (!t1.defined() || t1.dim() != 3)
    throw std::invalid_argument("HeadAtlas: the T1 head must be a [D, H, W] volume");
  if (!brain.defined() || brain.sizes() != t1.sizes())
    throw std::invalid_argument("HeadAtlas: the brain volume must have the T1 head's shape " + c10::str(t1.sizes()));
  if (!(spacing_mm > 0) || !std::isfinite(spacing_mm)) throw std::invalid_argument("HeadAtlas: spacing must be positive");
  brain_ = brain.abs() > 0;
  const auto t = t1.abs().to(torch::kFloat32);
  if (brain_.sum().item<int64_t>() < 1000) throw std::invalid_argument("HeadAtlas: the brain volume is (nearly) empty");
  const double median = t.masked_select(brain_).median().item<double>();
  if (!(median > 0)) throw std::invalid_argument("HeadAtlas: the T1 head is zero inside the brain");
  t1_ = (t / median).contiguous();
  const auto head = t1_ > 0.22;
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<int64_t> other;
    for (int d = 0; d < 3; ++d)
      if (d != axis) other.push_back(d);
    const auto area = head.sum(other);
    const double largest = area.max().item<double>();
    std::vector<int64_t> kept;
    for (int64_t k = 0; k < area.size(0); ++k)
      if (area[k].item<double>() >= 0.25 * largest) kept.push_back(k);
    slices_.push_back(std::move(kept));
  }
}

void RandomHeadOptions::validate() const {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("RandomHeadOptions: ") + what);
  };
  require(axial_probability >= 0 && axial_probability <= 1, "axial_probability must lie in [0, 1]");
  require(0 < scale_min && scale_min <= scale_max, "scale range must be ordered and > 0");
  require(rotation_deg_max >= 0 && shift_mm_max >= 0 && deformation_mm_max >= 0, "rotation, shift and deformation must be >= 0");
  require(0 <= lesions_min && lesions_min <= lesions_max, "lesions_min <= lesions_max, both >= 0");
  require(0 < lesion_radius_mm_min && lesion_radius_mm_min <= lesion_radius_mm_max, "lesion radii must be ordered and > 0");
  require(0 <= lesion_contrast_hu_min && lesion_contrast_hu_min <= lesion_contrast_hu_max,
          "lesion contrast range must be ordered and >= 0");
}

torch::Tensor random_head_hounsfield(uint64_t seed, const HeadAtlas& atlas, const ImageGrid& grid,
                                     const RandomHeadOptions& options, int supersampling) {
  options.validate();
  PortableUniform random(seed);
  const double pick = random.next();
  const int axis = pick < options.axial_probability ? 0 : pick < 0.5 * (1 + options.axial_probability) ? 1 : 2;
  const auto& slices = atlas.slices(axis);
  const int64_t index = slices[std::min(slices.size() - 1, static_cast<size_t>(random.next() * double(slices.size())))];
  const auto t = atlas.t1().select(axis, index).contiguous();
  const auto brain = atlas.brain().select(axis, index).contiguous();
  const auto hu = slice_hounsfield(t, brain, random, atlas.spacing_mm(), options);

  // Output supersample -> atlas slice: p_atlas = R(-angle) (p - shift) / scale + displacement(p).
  const double angle = random.between(-options.rotation_deg_max, options.rotation_deg_max) * kPi / 180.0;
  const double scale = random.between(options.scale_min, options.scale_max);
  const double shift_x = random.between(-options.shift_mm_max, options.shift_mm_max);
  const double shift_y = random.between(-options.shift_mm_max, options.shift_mm_max);
  HounsfieldCanvas canvas(grid, supersampling);
  const double correlation = random.between(30.0, 50.0), amplitude = random.between(0.0, options.deformation_mm_max);
  const auto displacement_x = canvas.smooth_field(random, correlation) * amplitude;
  const auto displacement_y = canvas.smooth_field(random, correlation) * amplitude;
  const auto dx = canvas.x_mm() - shift_x, dy = canvas.y_mm() - shift_y;
  const auto x = (std::cos(angle) * dx + std::sin(angle) * dy) / scale + displacement_x;
  const auto y = (-std::sin(angle) * dx + std::cos(angle) * dy) / scale + displacement_y;
  // Normalised sampling coordinates (align_corners: -1 and 1 are the centres of the edge pixels).
  const ImageGrid atlas_grid{t.size(0), t.size(1), atlas.spacing_mm(), 0.0, 0.0};
  const auto column = (x - atlas_grid.x_of_column(0)) / atlas.spacing_mm();
  const auto row = (atlas_grid.y_of_row(0) - y) / atlas.spacing_mm();
  const auto sample_at = torch::stack({2.0 * column / double(t.size(1) - 1) - 1.0, 2.0 * row / double(t.size(0) - 1) - 1.0}, -1);
  // Air outside the slice: sample HU + 1000 with zero padding.
  const auto sampled = at::grid_sampler_2d((hu + 1000.0).unsqueeze(0).unsqueeze(0), sample_at.unsqueeze(0), 0, 0, true);
  canvas.hounsfield() = sampled.squeeze(0).squeeze(0) - 1000.0;
  return canvas.image();
}

}  // namespace diffrecon::ct
