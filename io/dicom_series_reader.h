// Reads a classic DICOM image series (one slice per file, 8/16-bit greyscale; uncompressed, or JPEG,
// JPEG-LS or RLE compressed, decoded with DCMTK's codecs) into a
// volume: slices sorted by their position along the slice normal, the geometry checked to be one
// regular grid, and the patient/study attributes kept so they can be carried into the output.
#pragma once

#include "io/dicom_series_writer.h"

#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace diffrecon {

struct DicomVolume {
  torch::Tensor data;             // float32 [D, H, W]: Rescale Slope/Intercept applied (CT: HU)
  VolumeGeometry geometry;        // spacing[2]: distance between slice positions (slice thickness if one slice)
  DicomStudy study;
  std::string modality, series_instance_uid, series_description, sop_class_uid;
  std::vector<std::filesystem::path> files;  // in slice order
};

// `path`: a folder whose regular, non-hidden files are the slices of one series, or one file.
// Throws DicomError naming the file and what was expected: not DICOM, no pixel data, compressed with a
// transfer syntax there is no decoder for (JPEG 2000),
// more than one series, different sizes, orientations or pixel spacings, missing or repeated
// positions, slices off the normal, or uneven slice gaps.
DicomVolume read_dicom_series(const std::filesystem::path& path);

}  // namespace diffrecon
