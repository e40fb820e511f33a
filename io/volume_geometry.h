// Where a volume's voxels sit in patient space (DICOM's LPS frame, millimetres), in ITK's
// convention so that what the DICOM writer takes and the reader returns compare directly with what
// ITK/GDCM reads: axis 0 runs along an image row (increasing column), axis 1 down a column
// (increasing row), axis 2 from slice to slice. A tensor [D, H, W] has voxel (k, i, j) at
// origin + j*spacing[0]*axis(0) + i*spacing[1]*axis(1) + k*spacing[2]*axis(2).
#pragma once

#include <array>

namespace diffrecon {

struct VolumeGeometry {
  std::array<double, 3> spacing{1.0, 1.0, 1.0};   // mm: column spacing, row spacing, slice spacing
  std::array<double, 3> origin{0.0, 0.0, 0.0};    // mm: centre of voxel (0, 0, 0)
  // Row-major 3 x 3: column a is the unit direction of axis a (ITK's Direction matrix).
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};
  double slice_thickness_mm = 1.0;

  std::array<double, 3> axis(int a) const { return {direction[a], direction[3 + a], direction[6 + a]}; }
};

}  // namespace diffrecon
