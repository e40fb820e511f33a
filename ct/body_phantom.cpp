#include "ct/body_phantom.h"

#include "ct/hounsfield_canvas.h"
#include "ct/portable_random.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::ct {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The body's own frame: centre, semi-axes (a across, b front to back) and rotation. Points are
// given in it as (u, v) in units of the semi-axes: u = +-1 the sides, v = +1 the front (anterior,
// up in the image) and v = -1 the back, where the patient lies on the table.
struct BodyFrame {
  double cx, cy, a, b, rotation_deg;

  double x(double u, double v) const {
    const double phi = rotation_deg * kPi / 180.0;
    return cx + std::cos(phi) * u * a - std::sin(phi) * v * b;
  }
  double y(double u, double v) const {
    const double phi = rotation_deg * kPi / 180.0;
    return cy + std::sin(phi) * u * a + std::cos(phi) * v * b;
  }
};

// An ellipse placed in the body frame, its semi-axes in millimetres. Built with braces, whose
// elements are evaluated left to right (a function's arguments are not), so the random draws keep
// their order on every compiler.
struct Placement {
  double u, v, a_mm, b_mm, rotation_deg;
};

torch::Tensor organ(const HounsfieldCanvas& canvas, const BodyFrame& body, const Placement& p) {
  return canvas.ellipse(body.x(p.u, p.v), body.y(p.u, p.v), p.a_mm, p.b_mm, body.rotation_deg + p.rotation_deg);
}

// The lumpy outline: the body ellipse's polar radius times 1 + a few random low harmonics, with the
// back flattened where it lies on the table. `inset_mm` shrinks it (the muscle wall inside the fat).
struct Outline {
  double harmonics[3][2];  // amplitude and phase of harmonics 2, 3, 4
  double flat_back;        // v below which the back is cut

  torch::Tensor inside(const HounsfieldCanvas& canvas, const BodyFrame& body, double inset_mm) const {
    const double phi = body.rotation_deg * kPi / 180.0;
    const auto dx = canvas.x_mm() - body.cx, dy = canvas.y_mm() - body.cy;
    const auto u = (std::cos(phi) * dx + std::sin(phi) * dy) / body.a;
    const auto v = (-std::sin(phi) * dx + std::cos(phi) * dy) / body.b;
    const auto theta = torch::atan2(v, u);
    auto radius = torch::ones_like(theta);
    for (int k = 0; k < 3; ++k) radius = radius + harmonics[k][0] * torch::cos(double(k + 2) * theta + harmonics[k][1]);
    const double shrink = inset_mm / std::min(body.a, body.b);
    const auto rho = torch::sqrt(u * u + v * v);
    return (rho <= radius - shrink).logical_and(v >= flat_back + shrink);
  }
};

// Paints `placement` with `hu` (drawn before the placement by the caller) where `within` is set.
void paint_organ(HounsfieldCanvas& canvas, const BodyFrame& body, const Placement& placement, double hu,
                 const torch::Tensor& within = {}) {
  auto mask = organ(canvas, body, placement);
  canvas.paint(within.defined() ? mask.logical_and(within) : mask, hu);
}

void paint_vertebra(HounsfieldCanvas& canvas, const BodyFrame& body, PortableUniform& random, double v_centre) {
  const double radius = random.between(12.0, 18.0), cortex = random.between(1.5, 2.5);
  const double canal = random.between(6.0, 9.0);
  const double canal_v = v_centre - (radius + canal + 1.0) / body.b;
  // Paraspinal muscles either side of the canal, then the vertebral body, canal and laminae.
  for (double side : {-1.0, 1.0}) {
    const double hu = random.between(35.0, 60.0);
    paint_organ(canvas, body,
                Placement{side * random.between(0.14, 0.2), canal_v, random.between(15.0, 25.0),
                          random.between(12.0, 20.0), side * random.between(0.0, 30.0)},
                hu);
  }
  const double u = random.between(-0.03, 0.03), flattening = random.between(0.8, 1.0);
  const double cortical = random.between(700.0, 1300.0), cancellous = random.between(150.0, 350.0);
  paint_organ(canvas, body, {u, v_centre, radius, radius * flattening, 0.0}, cortical);
  paint_organ(canvas, body, {u, v_centre, radius - cortex, radius * flattening - cortex, 0.0}, cancellous);
  for (double side : {-1.0, 1.0}) {
    const double hu = random.between(500.0, 1000.0);
    paint_organ(canvas, body,
                Placement{u + side * (canal + 4.0) / body.a, canal_v - 0.3 * canal / body.b, 4.0 + 0.4 * canal,
                          random.between(2.5, 4.0), side * random.between(20.0, 50.0)},
                hu);
  }
  const double csf = random.between(10.0, 40.0);
  paint_organ(canvas, body, Placement{u, canal_v, canal, canal * random.between(0.8, 1.0), 0.0}, csf);
}

void paint_thorax(HounsfieldCanvas& canvas, const BodyFrame& body, const torch::Tensor& inner, PortableUniform& random) {
  const double lung_hu = random.between(-880.0, -780.0);
  auto lungs = torch::zeros_like(inner);
  for (double side : {-1.0, 1.0}) {
    const Placement lung{side * random.between(0.38, 0.48), random.between(0.0, 0.15),
                         random.between(0.25, 0.33) * body.a, random.between(0.45, 0.62) * body.b,
                         side * random.between(-15.0, 15.0)};
    lungs = lungs.logical_or(organ(canvas, body, lung).logical_and(inner));
  }
  canvas.paint(lungs, lung_hu);
  // Parenchyma varies by tens of HU.
  const double correlation = random.between(3.0, 6.0), amplitude = random.between(10.0, 40.0);
  canvas.add(lungs, canvas.smooth_field(random, correlation) * amplitude);
  const int vessels = random.count_between(15, 40);
  for (int k = 0; k < vessels; ++k) {
    const double hu = random.between(20.0, 60.0), r = random.between(0.8, 3.0);
    paint_organ(canvas, body,
                Placement{random.sign() * random.between(0.15, 0.75), random.between(-0.45, 0.55), r,
                          r * random.between(0.6, 1.0), 0.0},
                hu, lungs);
  }
  const double heart_hu = random.between(30.0, 50.0);
  paint_organ(canvas, body,
              Placement{random.between(-0.15, 0.05), random.between(0.05, 0.3), random.between(0.18, 0.26) * body.a,
                        random.between(0.3, 0.42) * body.b, random.between(-40.0, -10.0)},
              heart_hu, inner);
  const double blood = random.chance(0.3) ? random.between(150.0, 300.0) : random.between(35.0, 50.0);
  const double aorta = random.between(8.0, 14.0);
  paint_organ(canvas, body, Placement{random.between(-0.12, -0.02), random.between(-0.5, -0.4), aorta, aorta, 0.0}, blood);
  const int ribs = random.count_between(6, 12);
  for (int k = 0; k < ribs; ++k) {
    const double hu = random.between(700.0, 1300.0);
    // Along the sides of the chest wall, away from the sternum (front) and the spine (back).
    const double side_angle = random.between(-70.0, 70.0);  // two statements: the operands of + are unsequenced
    const double theta = side_angle + (random.chance(0.5) ? 180.0 : 0.0);
    const double radius = random.between(0.84, 0.92);
    paint_organ(canvas, body,
                Placement{radius * std::cos(theta * kPi / 180.0), radius * std::sin(theta * kPi / 180.0),
                          random.between(3.0, 6.0), random.between(2.0, 4.0), theta + 90.0},
                hu);
  }
}

void paint_abdomen(HounsfieldCanvas& canvas, const BodyFrame& body, const torch::Tensor& inner, PortableUniform& random) {
  // Visceral fat blobs first; the organs are painted over them.
  const int fat = random.count_between(2, 6);
  for (int k = 0; k < fat; ++k) {
    const double hu = random.between(-120.0, -80.0);
    paint_organ(canvas, body,
                Placement{random.between(-0.6, 0.6), random.between(-0.3, 0.6), random.between(10.0, 35.0),
                          random.between(8.0, 25.0), random.between(0.0, 180.0)},
                hu, inner);
  }
  const double liver_side = random.sign();
  const double liver_hu = random.between(50.0, 70.0);
  paint_organ(canvas, body,
              Placement{liver_side * random.between(0.35, 0.5), random.between(0.0, 0.25),
                        random.between(0.35, 0.5) * body.a, random.between(0.5, 0.75) * body.b,
                        random.between(-20.0, 20.0)},
              liver_hu, inner);
  const double spleen_hu = random.between(40.0, 55.0);
  paint_organ(canvas, body,
              Placement{-liver_side * random.between(0.45, 0.6), random.between(-0.05, 0.2),
                        random.between(0.12, 0.18) * body.a, random.between(0.2, 0.35) * body.b,
                        random.between(-40.0, 40.0)},
              spleen_hu, inner);
  const bool enhanced = random.chance(0.3);
  for (double side : {-1.0, 1.0}) {
    const double hu = enhanced ? random.between(120.0, 200.0) : random.between(25.0, 40.0);
    const Placement kidney{side * random.between(0.25, 0.35), -random.between(0.35, 0.5), random.between(12.5, 17.5),
                           random.between(22.5, 30.0), side * random.between(10.0, 40.0)};
    paint_organ(canvas, body, kidney, hu, inner);
    if (random.chance(0.5)) {
      const double sinus_fat = random.between(-100.0, -60.0);
      paint_organ(canvas, body,
                  Placement{kidney.u, kidney.v, random.between(3.0, 6.0), random.between(6.0, 10.0), kidney.rotation_deg},
                  sinus_fat);
    }
  }
  const int loops = random.count_between(3, 8);
  for (int k = 0; k < loops; ++k) {
    const double u = random.between(-0.5, 0.5), v = random.between(-0.1, 0.6);
    const double a = random.between(8.0, 25.0), b = a * random.between(0.5, 1.0), rotation = random.between(0.0, 180.0);
    const double wall = random.between(30.0, 50.0);
    const double content = random.chance(0.4) ? random.between(-950.0, -700.0) : random.between(0.0, 25.0);
    paint_organ(canvas, body, {u, v, a, b, rotation}, wall, inner);
    paint_organ(canvas, body, {u, v, a - 2.0, b - 2.0, rotation}, content, inner);
  }
  const double blood = enhanced ? random.between(150.0, 300.0) : random.between(35.0, 50.0);
  const double vein_drop = random.between(0.0, 20.0);
  const double aorta = random.between(8.0, 13.0);
  const double aorta_u = random.between(-0.1, 0.0), vein_u = random.between(0.05, 0.15);
  const double vessels_v = random.between(-0.45, -0.35);
  paint_organ(canvas, body, {aorta_u, vessels_v, aorta, aorta, 0.0}, blood);
  paint_organ(canvas, body, {vein_u, vessels_v, aorta * 1.2, aorta * 0.8, 0.0}, blood - vein_drop);
}

}  // namespace

void RandomBodyOptions::validate() const {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("RandomBodyOptions: ") + what);
  };
  require(field_of_view_mm > 0.0 && std::isfinite(field_of_view_mm), "field_of_view_mm must be > 0");
  require(thorax_probability >= 0.0 && thorax_probability <= 1.0, "thorax_probability must lie in [0, 1]");
  require(0 <= lesions_min && lesions_min <= lesions_max, "lesions_min <= lesions_max, both >= 0");
  require(0.0 < lesion_radius_mm_min && lesion_radius_mm_min <= lesion_radius_mm_max, "lesion radii must be ordered and > 0");
  require(lesion_radius_mm_max < 0.1 * field_of_view_mm, "lesion_radius_mm_max must be below a tenth of the field of view");
  require(0.0 <= lesion_contrast_hu_min && lesion_contrast_hu_min <= lesion_contrast_hu_max,
          "lesion contrast range must be ordered and >= 0");
}

torch::Tensor random_body_hounsfield(uint64_t seed, const ImageGrid& grid, const RandomBodyOptions& options,
                                     int supersampling) {
  options.validate();
  PortableUniform random(seed);
  HounsfieldCanvas canvas(grid, supersampling);
  const double fov = options.field_of_view_mm;
  // Semi-axes and offset keep the body inside the disc of diameter fov, as the ellipse phantoms do.
  const BodyFrame body{random.between(-0.02, 0.02) * fov, random.between(-0.02, 0.02) * fov,
                       random.between(0.34, 0.44) * fov, random.between(0.26, 0.36) * fov, random.between(-8.0, 8.0)};
  Outline outline{};
  for (auto& h : outline.harmonics) h[0] = random.between(-0.03, 0.03), h[1] = random.between(0.0, 2 * kPi);
  outline.flat_back = -random.between(0.85, 1.0);

  const double fat_mm = random.between(5.0, 25.0), cavity_mm = random.between(8.0, 12.0);
  const double fat_hu = random.between(-120.0, -80.0), wall_hu = random.between(35.0, 60.0);
  const double cavity_hu = random.between(-40.0, 40.0);
  const auto skin = outline.inside(canvas, body, 0.0);
  const auto inner = outline.inside(canvas, body, fat_mm);
  canvas.paint(skin, fat_hu);     // subcutaneous fat
  canvas.paint(inner, wall_hu);   // the muscle wall and what the organs leave
  canvas.paint(outline.inside(canvas, body, fat_mm + cavity_mm).logical_and(inner), cavity_hu);  // fat and soft tissue
  if (random.chance(options.thorax_probability)) paint_thorax(canvas, body, inner, random);
  else paint_abdomen(canvas, body, inner, random);
  paint_vertebra(canvas, body, random, -random.between(0.55, 0.68));
  canvas.paint(skin.logical_not(), -1000.0);  // nothing outside the skin

  // Texture in fat and soft tissue, then lesions in the organs.
  const auto soft_tissue = canvas.hounsfield().gt(-150.0).logical_and(canvas.hounsfield().lt(200.0));
  const double correlation = random.between(4.0, 12.0), amplitude = random.between(3.0, 10.0);
  canvas.add(soft_tissue, canvas.smooth_field(random, correlation) * amplitude);
  const int lesions = random.count_between(options.lesions_min, options.lesions_max);
  for (int k = 0; k < lesions; ++k) {
    const double r = random.between(options.lesion_radius_mm_min, options.lesion_radius_mm_max);
    const double contrast = random.sign() * random.between(options.lesion_contrast_hu_min, options.lesion_contrast_hu_max);
    const auto where = organ(canvas, body,
                             Placement{random.between(-0.6, 0.6), random.between(-0.4, 0.6), r,
                                       r * random.between(0.7, 1.0), random.between(0.0, 180.0)});
    const auto organ_tissue = canvas.hounsfield().gt(20.0).logical_and(canvas.hounsfield().lt(100.0));
    canvas.add(where.logical_and(organ_tissue), torch::full({}, contrast));
  }
  return canvas.image();
}

}  // namespace diffrecon::ct
