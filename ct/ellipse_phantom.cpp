#include "ct/ellipse_phantom.h"

#include "ct/portable_random.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace diffrecon::ct {
namespace {

constexpr double kPi = 3.14159265358979323846;

// One ellipse prepared for point tests: rotation, inverse squared semi-axes, bounding box.
struct PreparedEllipse {
  double attenuation, cx, cy, cos_phi, sin_phi, inv_a2, inv_b2;
  double half_width, half_height;

  explicit PreparedEllipse(const Ellipse& e)
      : attenuation(e.attenuation_per_mm), cx(e.centre_x_mm), cy(e.centre_y_mm),
        cos_phi(std::cos(e.rotation_deg * kPi / 180.0)), sin_phi(std::sin(e.rotation_deg * kPi / 180.0)),
        inv_a2(1.0 / (e.semi_axis_x_mm * e.semi_axis_x_mm)), inv_b2(1.0 / (e.semi_axis_y_mm * e.semi_axis_y_mm)) {
    const double a = e.semi_axis_x_mm, b = e.semi_axis_y_mm;
    half_width = std::sqrt(a * a * cos_phi * cos_phi + b * b * sin_phi * sin_phi);
    half_height = std::sqrt(a * a * sin_phi * sin_phi + b * b * cos_phi * cos_phi);
  }

  bool contains(double x, double y) const {
    const double dx = x - cx, dy = y - cy;
    const double u = cos_phi * dx + sin_phi * dy;   // R(-phi) (p - c)
    const double v = -sin_phi * dx + cos_phi * dy;
    return u * u * inv_a2 + v * v * inv_b2 <= 1.0;
  }
};

void check_ellipse(const Ellipse& e, size_t index) {
  if (!(e.semi_axis_x_mm > 0.0) || !(e.semi_axis_y_mm > 0.0) || !std::isfinite(e.semi_axis_x_mm) ||
      !std::isfinite(e.semi_axis_y_mm) || !std::isfinite(e.attenuation_per_mm) || !std::isfinite(e.centre_x_mm) ||
      !std::isfinite(e.centre_y_mm) || !std::isfinite(e.rotation_deg)) {
    throw std::invalid_argument("ellipse phantom: ellipse " + std::to_string(index) +
                                " needs finite values and positive semi-axes");
  }
}

struct PlacedStructure {
  double x, y, radius;
  bool high_contrast;
};

}  // namespace

EllipsePhantom modified_shepp_logan(double radius_mm, double attenuation_scale_per_mm) {
  if (!(radius_mm > 0.0) || !std::isfinite(radius_mm)) {
    throw std::invalid_argument("modified_shepp_logan: radius must be a positive number of mm");
  }
  // A, a, b, x0, y0, phi (degrees) on [-1, 1]^2 (Toft; Octave phantom.m mod_shepp_logan).
  static const double table[10][6] = {
      {1.0, 0.69, 0.92, 0.0, 0.0, 0.0},         {-0.8, 0.6624, 0.8740, 0.0, -0.0184, 0.0},
      {-0.2, 0.1100, 0.3100, 0.22, 0.0, -18.0}, {-0.2, 0.1600, 0.4100, -0.22, 0.0, 18.0},
      {0.1, 0.2100, 0.2500, 0.0, 0.35, 0.0},    {0.1, 0.0460, 0.0460, 0.0, 0.1, 0.0},
      {0.1, 0.0460, 0.0460, 0.0, -0.1, 0.0},    {0.1, 0.0460, 0.0230, -0.08, -0.605, 0.0},
      {0.1, 0.0230, 0.0230, 0.0, -0.606, 0.0},  {0.1, 0.0230, 0.0460, 0.06, -0.605, 0.0}};
  EllipsePhantom phantom;
  for (const auto& row : table) {
    phantom.ellipses.push_back({row[0] * attenuation_scale_per_mm, row[1] * radius_mm, row[2] * radius_mm,
                                row[3] * radius_mm, row[4] * radius_mm, row[5]});
  }
  return phantom;
}

void RandomEllipseOptions::validate() const {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("RandomEllipseOptions: ") + what);
  };
  require(field_of_view_mm > 0.0 && std::isfinite(field_of_view_mm), "field_of_view_mm must be > 0");
  require(mu_water_per_mm > 0.0 && std::isfinite(mu_water_per_mm), "mu_water_per_mm must be > 0");
  require(body_hu_min <= body_hu_max && body_hu_min > -1000.0, "body HU range must be ordered and above -1000");
  require(0 <= organs_min && organs_min <= organs_max, "organs_min <= organs_max, both >= 0");
  require(0 <= bones_min && bones_min <= bones_max, "bones_min <= bones_max, both >= 0");
  require(0 <= air_pockets_min && air_pockets_min <= air_pockets_max, "air_pockets_min <= air_pockets_max, both >= 0");
  require(0 <= lesions_min && lesions_min <= lesions_max, "lesions_min <= lesions_max, both >= 0");
  require(organ_contrast_hu_min <= organ_contrast_hu_max, "organ contrast range must be ordered");
  require(bone_contrast_hu_min <= bone_contrast_hu_max, "bone contrast range must be ordered");
  require(air_hu_min <= air_hu_max && air_hu_min >= -1000.0, "air HU range must be ordered and >= -1000");
  require(0.0 < lesion_radius_mm_min && lesion_radius_mm_min <= lesion_radius_mm_max, "lesion radii must be ordered and > 0");
  require(lesion_radius_mm_max < 0.1 * field_of_view_mm, "lesion_radius_mm_max must be below a tenth of the field of view");
  require(lesion_contrast_hu_min <= lesion_contrast_hu_max, "lesion contrast range must be ordered");
}

EllipsePhantom random_ellipse_phantom(uint64_t seed, const RandomEllipseOptions& options) {
  options.validate();
  PortableUniform random(seed);
  const double fov = options.field_of_view_mm;
  const double mu_per_hu = options.mu_water_per_mm / 1000.0;

  // Body: semi-axes and offset keep it inside the disc of diameter fov (max semi-axis + offset <= fov/2).
  Ellipse body;
  const double body_hu = random.between(options.body_hu_min, options.body_hu_max);
  body.attenuation_per_mm = options.mu_water_per_mm + body_hu * mu_per_hu;
  body.semi_axis_x_mm = random.between(0.34, 0.46) * fov;
  body.semi_axis_y_mm = random.between(0.26, 0.44) * fov;
  body.centre_x_mm = random.between(-0.02, 0.02) * fov;
  body.centre_y_mm = random.between(-0.02, 0.02) * fov;
  body.rotation_deg = random.between(-20.0, 20.0);
  EllipsePhantom phantom;
  phantom.ellipses.push_back(body);

  const double body_cos = std::cos(body.rotation_deg * kPi / 180.0), body_sin = std::sin(body.rotation_deg * kPi / 180.0);
  const double body_min_axis = std::min(body.semi_axis_x_mm, body.semi_axis_y_mm);
  std::vector<PlacedStructure> placed;

  // Places an ellipse with the given semi-axes inside the body: its centre at normalised radius
  // rho <= 1 - r/b_min - margin, so the disc of radius r = max semi-axis around it lies inside the
  // body (the body contains p + (1 - rho) * disc(b_min) by convexity). High-contrast structures
  // (bone, air) keep a 1 mm gap from every other structure; soft-tissue ones only from those.
  auto place = [&](double a, double b, double attenuation, bool high_contrast) {
    const double radius = std::max(a, b);
    const double rho_max = 1.0 - radius / body_min_axis - 0.03;
    if (rho_max <= 0.0) return;
    for (int attempt = 0; attempt < 50; ++attempt) {
      const double rho = rho_max * std::sqrt(random.next());
      const double angle = random.between(0.0, 2.0 * kPi);
      const double lx = rho * body.semi_axis_x_mm * std::cos(angle), ly = rho * body.semi_axis_y_mm * std::sin(angle);
      const double x = body.centre_x_mm + body_cos * lx - body_sin * ly;
      const double y = body.centre_y_mm + body_sin * lx + body_cos * ly;
      const double rotation = random.between(0.0, 180.0);
      bool clear = true;
      for (const auto& other : placed) {
        if (!high_contrast && !other.high_contrast) continue;
        if (std::hypot(x - other.x, y - other.y) < radius + other.radius + 1.0) clear = false;
      }
      if (!clear) continue;
      placed.push_back({x, y, radius, high_contrast});
      phantom.ellipses.push_back({attenuation, a, b, x, y, rotation});
      return;
    }
  };

  const int air_pockets = random.count_between(options.air_pockets_min, options.air_pockets_max);
  for (int k = 0; k < air_pockets; ++k) {
    const double hu = random.between(options.air_hu_min, options.air_hu_max);
    const double a = random.between(0.12, 0.32) * body_min_axis, b = a * random.between(0.5, 1.0);
    place(a, b, (hu - body_hu) * mu_per_hu, true);
  }
  const int bones = random.count_between(options.bones_min, options.bones_max);
  for (int k = 0; k < bones; ++k) {
    const double hu = random.between(options.bone_contrast_hu_min, options.bone_contrast_hu_max);
    const double a = random.between(0.04, 0.12) * body_min_axis, b = a * random.between(0.4, 1.0);
    place(a, b, hu * mu_per_hu, true);
  }
  const int organs = random.count_between(options.organs_min, options.organs_max);
  for (int k = 0; k < organs; ++k) {
    const double hu = random.sign() * random.between(options.organ_contrast_hu_min, options.organ_contrast_hu_max);
    const double a = random.between(0.10, 0.35) * body_min_axis, b = a * random.between(0.4, 1.0);
    place(a, b, hu * mu_per_hu, false);
  }
  const int lesions = random.count_between(options.lesions_min, options.lesions_max);
  for (int k = 0; k < lesions; ++k) {
    const double hu = random.sign() * random.between(options.lesion_contrast_hu_min, options.lesion_contrast_hu_max);
    const double a = random.between(options.lesion_radius_mm_min, options.lesion_radius_mm_max);
    place(a, a * random.between(0.7, 1.0), hu * mu_per_hu, false);
  }
  return phantom;
}

torch::Tensor rasterize(const EllipsePhantom& phantom, const ImageGrid& grid, int supersampling,
                        torch::ScalarType dtype) {
  grid.validate("rasterize");
  if (supersampling < 1) {
    throw std::invalid_argument("rasterize: supersampling must be >= 1, got " + std::to_string(supersampling));
  }
  if (dtype != torch::kFloat32 && dtype != torch::kFloat64) {
    throw std::invalid_argument("rasterize: dtype must be float32 or float64");
  }
  std::vector<PreparedEllipse> ellipses;
  for (size_t k = 0; k < phantom.ellipses.size(); ++k) {
    check_ellipse(phantom.ellipses[k], k);
    ellipses.emplace_back(phantom.ellipses[k]);
  }
  auto image = torch::zeros({grid.rows, grid.columns}, torch::kFloat64);
  double* out = image.data_ptr<double>();
  const int64_t columns = grid.columns;
  const double weight = 1.0 / double(supersampling * supersampling);
  std::vector<double> offsets(supersampling);
  for (int k = 0; k < supersampling; ++k) offsets[k] = (k + 0.5) / supersampling - 0.5;
  const double half_pixel = 0.5 * grid.pixel_size_mm;

  at::parallel_for(0, grid.rows, 1, [&](int64_t row_begin, int64_t row_end) {
    for (int64_t i = row_begin; i < row_end; ++i) {
      const double row_y = grid.y_of_row(double(i));
      for (const auto& e : ellipses) {
        if (std::abs(row_y - e.cy) > e.half_height + half_pixel) continue;
        // Only the columns whose pixels can touch the bounding box.
        const int64_t first = std::max<int64_t>(0, int64_t(std::floor(grid.column_of_x(e.cx - e.half_width) - 0.5)));
        const int64_t last = std::min<int64_t>(columns - 1, int64_t(std::ceil(grid.column_of_x(e.cx + e.half_width) + 0.5)));
        for (int64_t j = first; j <= last; ++j) {
          int inside = 0;
          for (double oy : offsets) {
            const double y = grid.y_of_row(double(i) + oy);
            for (double ox : offsets) inside += e.contains(grid.x_of_column(double(j) + ox), y);
          }
          if (inside) out[i * columns + j] += e.attenuation * weight * inside;
        }
      }
    }
  });
  return image.to(dtype);
}

torch::Tensor random_ellipse_images(uint64_t first_seed, int64_t count, const ImageGrid& grid,
                                    const RandomEllipseOptions& options, int supersampling, torch::ScalarType dtype) {
  if (count < 1) throw std::invalid_argument("random_ellipse_images: count must be >= 1, got " + std::to_string(count));
  std::vector<torch::Tensor> images;
  for (int64_t k = 0; k < count; ++k) {
    images.push_back(rasterize(random_ellipse_phantom(first_seed + uint64_t(k), options), grid, supersampling, dtype));
  }
  return torch::stack(images);
}

double line_integral(const EllipsePhantom& phantom, double x_mm, double y_mm, double direction_x, double direction_y) {
  const double length = std::hypot(direction_x, direction_y);
  if (!(length > 0.0) || !std::isfinite(length)) {
    throw std::invalid_argument("line_integral: the direction must be non-zero and finite");
  }
  const double dx = direction_x / length, dy = direction_y / length;
  double total = 0.0;
  for (size_t k = 0; k < phantom.ellipses.size(); ++k) {
    const Ellipse& e = phantom.ellipses[k];
    check_ellipse(e, k);
    const double c = std::cos(e.rotation_deg * kPi / 180.0), s = std::sin(e.rotation_deg * kPi / 180.0);
    // Point and direction in the ellipse's frame, scaled so the ellipse is the unit circle; the
    // chord is then |t1 - t2| of |p + t d|^2 = 1 with t in millimetres along the unit direction.
    const double px = (c * (x_mm - e.centre_x_mm) + s * (y_mm - e.centre_y_mm)) / e.semi_axis_x_mm;
    const double py = (-s * (x_mm - e.centre_x_mm) + c * (y_mm - e.centre_y_mm)) / e.semi_axis_y_mm;
    const double qx = (c * dx + s * dy) / e.semi_axis_x_mm;
    const double qy = (-s * dx + c * dy) / e.semi_axis_y_mm;
    const double a = qx * qx + qy * qy, b = px * qx + py * qy, cc = px * px + py * py - 1.0;
    const double discriminant = b * b - a * cc;  // quarter of the usual B^2 - 4AC with B = 2b
    if (discriminant > 0.0) total += e.attenuation_per_mm * 2.0 * std::sqrt(discriminant) / a;
  }
  return total;
}

double parallel_line_integral(const EllipsePhantom& phantom, double theta_rad, double s_mm) {
  const double c = std::cos(theta_rad), s = std::sin(theta_rad);
  return line_integral(phantom, s_mm * c, s_mm * s, -s, c);
}

}  // namespace diffrecon::ct
