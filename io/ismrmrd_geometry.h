// Where the pixels of a reconstructed ISMRMRD slice lie in patient space, for the DICOM Image Plane
// module. The k-space layout [C, H, W] (H readout, W phase encode; mri/sense_operator.h) makes
// image rows follow the readout direction and image columns the phase direction; the centred FFT
// puts the slice centre (the acquisition's `position`) at pixel (H/2, W/2). Pixel sizes come from
// the recon FOV and matrix; slices are `recon_fov_mm[2]` apart (ISMRMRD headers carry no slice gap).
// Data without direction vectors (zeros) get an axial frame centred on the origin.
#pragma once

#include "io/ismrmrd_reader.h"
#include "io/volume_geometry.h"

namespace diffrecon {

VolumeGeometry volume_geometry_of(const IsmrmrdEncoding& encoding, const IsmrmrdMetadata& metadata, int64_t height,
                                  int64_t width);

}  // namespace diffrecon
