#include "io/ismrmrd_geometry.h"

#include <cmath>

namespace diffrecon {
namespace {

std::array<double, 3> unit(const std::array<float, 3>& v) {
  const double norm = std::sqrt(double(v[0]) * v[0] + double(v[1]) * v[1] + double(v[2]) * v[2]);
  if (norm < 1e-6) return {0, 0, 0};
  return {v[0] / norm, v[1] / norm, v[2] / norm};
}

}  // namespace

VolumeGeometry volume_geometry_of(const IsmrmrdEncoding& e, const IsmrmrdMetadata& m, int64_t height, int64_t width) {
  VolumeGeometry g;
  // Pixel sizes: the recon FOV over the recon matrix (x is the readout, H; y the phase encode, W).
  g.spacing[1] = e.recon_fov_mm[0] > 0 && e.recon_matrix[0] > 0 ? e.recon_fov_mm[0] / e.recon_matrix[0] : 1.0;
  g.spacing[0] = e.recon_fov_mm[1] > 0 && e.recon_matrix[1] > 0 ? e.recon_fov_mm[1] / e.recon_matrix[1] : 1.0;
  g.spacing[2] = e.recon_fov_mm[2] > 0 ? e.recon_fov_mm[2] : 1.0;
  g.slice_thickness_mm = g.spacing[2];
  auto row = unit(m.phase_direction), column = unit(m.read_direction);
  const double overlap = row[0] * column[0] + row[1] * column[1] + row[2] * column[2];
  if (row == std::array<double, 3>{0, 0, 0} || column == std::array<double, 3>{0, 0, 0} || std::abs(overlap) > 1e-3) {
    row = {1, 0, 0};
    column = {0, 1, 0};
  }
  const std::array<double, 3> normal{row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2],
                                     row[0] * column[1] - row[1] * column[0]};
  g.direction = {row[0], column[0], normal[0], row[1], column[1], normal[1], row[2], column[2], normal[2]};
  const double half_w = static_cast<double>(width / 2) * g.spacing[0];
  const double half_h = static_cast<double>(height / 2) * g.spacing[1];
  for (int i = 0; i < 3; ++i) g.origin[i] = m.position[i] - half_w * row[i] - half_h * column[i];
  return g;
}

}  // namespace diffrecon
