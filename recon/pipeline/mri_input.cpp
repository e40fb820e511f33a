#include "recon/pipeline/mri_input.h"

#include "core/error.h"
#include "io/cfl.h"
#include "mri/bart_layout.h"

#include <cstdio>

namespace diffrecon {

bool is_ismrmrd_path(const std::filesystem::path& path) {
  const auto extension = path.extension().string();
  return extension == ".h5" || extension == ".mrd";
}

namespace {

#ifdef DIFFRECON_HAS_ISMRMRD_READER
MriInput read_ismrmrd_input(const std::filesystem::path& path, const MriReadOptions& options) {
  IsmrmrdReadOptions read;
  read.repetition = options.repetition;
  read.slice = options.slice;
  auto scan = read_ismrmrd(path, read);
  MriInput input;
  input.path = path;
  auto& acquisition = input.acquisition;
  acquisition.kspace = scan.kspace;
  acquisition.mask = scan.mask;
  acquisition.noise = scan.noise;
  if (scan.noise_dwell_us > 0 && scan.acquisition_dwell_us > 0)
    acquisition.noise_dwell_ratio = scan.acquisition_dwell_us / scan.noise_dwell_us;
  acquisition.readout_oversampling = scan.readout_oversampling();
  acquisition.batch_dims.assign(16, 1);
  acquisition.batch_dims[13] = scan.kspace.size(0);  // BART's SLICE dim
  const auto& e = scan.encoding;
  if (e.recon_matrix[0] > 0 && e.recon_matrix[1] > 0 && e.recon_fov_mm[0] > 0 && e.recon_fov_mm[1] > 0)
    acquisition.spacing = {e.recon_fov_mm[1] / e.recon_matrix[1], e.recon_fov_mm[0] / e.recon_matrix[0]};
  // Between slices: the slab thickness (ISMRMRD has no slice gap in the header).
  if (scan.kspace.size(0) > 1 && e.recon_fov_mm[2] > 0) acquisition.spacing.push_back(e.recon_fov_mm[2]);
  char summary[256];
  std::snprintf(summary, sizeof summary,
                "ISMRMRD: %lld slice(s), %lld coils, %lld lines (%lld calibration), %lld noise scans, readout oversampling %lld",
                static_cast<long long>(scan.kspace.size(0)), static_cast<long long>(scan.coils),
                static_cast<long long>(scan.imaging_lines / std::max<int64_t>(1, scan.kspace.size(0))),
                static_cast<long long>(scan.calibration_lines / std::max<int64_t>(1, scan.kspace.size(0))),
                static_cast<long long>(scan.noise_acquisitions), static_cast<long long>(scan.readout_oversampling()));
  input.summary = summary;
  input.encoding = scan.encoding;
  input.metadata = scan.metadata;
  return input;
}
#endif

}  // namespace

MriInput read_mri_input(const std::filesystem::path& path, const MriReadOptions& options) {
  if (is_ismrmrd_path(path)) {
#ifdef DIFFRECON_HAS_ISMRMRD_READER
    return read_ismrmrd_input(path, options);
#else
    throw InputError("k-space " + path.string() + ": this build has no ISMRMRD support (DIFFRECON_WITH_ISMRMRD=OFF)");
#endif
  }
  if (options.repetition != 0 || options.slice != std::optional<int64_t>(0))
    throw InputError("k-space " + path.string() + ": repetition and slice selection apply to ISMRMRD (.h5) input only");
  auto batch = mri::coil_batch_from_bart(read_cfl(path).data, path.string());
  MriInput input;
  input.path = path;
  input.acquisition.kspace = batch.data;
  input.acquisition.batch_dims = batch.batch_dims;
  char summary[160];
  std::snprintf(summary, sizeof summary, "BART k-space: %lld slice(s), %lld coils, %lld x %lld",
                static_cast<long long>(batch.data.size(0)), static_cast<long long>(batch.data.size(1)),
                static_cast<long long>(batch.data.size(2)), static_cast<long long>(batch.data.size(3)));
  input.summary = summary;
  return input;
}

}  // namespace diffrecon
