// Writes Cartesian 2-D multi-coil k-space as an ISMRMRD (MRD) HDF5 file, the format scanners'
// raw-data converters produce: the XML header (encoding, FOV, subject/study), one acquisition per
// sampled phase-encode line (calibration lines flagged), and an optional noise scan. Used by the
// demo to hand `diffrecon mri` the same kind of file a scanner would; read back by read_ismrmrd.
#pragma once

#include "io/atomic_output.h"
#include "io/ismrmrd_reader.h"

#include <torch/types.h>

#include <array>
#include <filesystem>

namespace diffrecon {

struct IsmrmrdAcquisition {
  torch::Tensor kspace;  // complex64 [C, H, W]: H readout samples, W phase-encode lines (centred, DC at W/2)
  torch::Tensor mask;    // [H, W] or [W]: lines with a non-zero entry are written
  torch::Tensor noise;   // optional complex64 [C, N]: a noise scan
  std::array<double, 3> fov_mm{256.0, 256.0, 5.0};  // readout, phase, slice thickness
  int64_t calibration_lines = 0;  // the centred block flagged as parallel calibration (and imaging)
  double acceleration = 1.0;      // recorded in parallelImaging
  IsmrmrdMetadata metadata;       // subject, study, system, slice position and directions (ISMRMRD forms)
};

// Throws std::invalid_argument for shapes that do not fit, IsmrmrdError naming the file when writing
// fails. Atomic; refuses to overwrite unless allowed.
void write_ismrmrd(const std::filesystem::path& path, const IsmrmrdAcquisition& acquisition, Overwrite overwrite);

}  // namespace diffrecon
