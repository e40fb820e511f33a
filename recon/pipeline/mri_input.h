// Reading an MRI acquisition from a file into mri::Acquisition: ISMRMRD (.h5, .mrd) or BART .cfl
// k-space [X, Y, 1, coils, ...] (every BART dim after MAPS a batch dim). The file is only read here;
// readout oversampling removal and pre-whitening are mri/ steps (mri/acquisition.h, mri/sense_model.h)
// the MRI job runs.
#pragma once

#include "mri/acquisition.h"

#include <filesystem>
#include <optional>
#include <string>

#ifdef DIFFRECON_HAS_ISMRMRD_READER
#include "io/ismrmrd_reader.h"
#endif

namespace diffrecon {

struct MriReadOptions {
  // ISMRMRD only: the repetition (-1 averages all) and the slice (unset: every slice).
  int64_t repetition = 0;
  std::optional<int64_t> slice = 0;
};

struct MriInput {
  std::filesystem::path path;
  mri::Acquisition acquisition;
  std::string summary;  // one line: what was read (slices, coils, lines, noise scans, oversampling)
#ifdef DIFFRECON_HAS_ISMRMRD_READER
  std::optional<IsmrmrdEncoding> encoding;  // ISMRMRD: for the patient-space geometry and the study
  std::optional<IsmrmrdMetadata> metadata;
#endif
};

bool is_ismrmrd_path(const std::filesystem::path& path);

// Throws InputError naming the file (and IsmrmrdError / CflError, which are InputErrors) when it
// cannot be read, and when ISMRMRD options are given for a .cfl file.
MriInput read_mri_input(const std::filesystem::path& path, const MriReadOptions& options = {});

}  // namespace diffrecon
