// Writes a reconstruction as a classic DICOM image series, one file per slice: MR Image Storage or
// CT Image Storage (not Secondary Capture, so viewers and PACS keep the geometry), with the
// attribute set that validates with dciodvfy (docs/platform.md, section 2.2).
//
// Quantisation (documented in every file's Derivation Description and in the report):
//   MR: magnitude -> uint16, stored = round(value * scale), scale = 4095 / max |value| unless given
//       (the MR Image IOD has no Rescale Slope; 12 bits as scanners write);
//   CT: Hounsfield units -> uint16 through Rescale Slope 1, Intercept -1024: stored = HU + 1024,
//       clamped to [0, 65535].
// Image Type is DERIVED\SECONDARY\<value 3> (value 3 is required by dciodvfy): OTHER for MR, AXIAL
// for CT unless the series says otherwise.
#pragma once

#include "core/error.h"
#include "io/atomic_output.h"
#include "io/dicom_study.h"
#include "io/dicom_uid.h"
#include "io/volume_geometry.h"

#include <torch/types.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon {

class DicomError : public Error {
 public:
  using Error::Error;
};

enum class DicomModality { MR, CT };

constexpr double kCtRescaleIntercept = -1024.0;
constexpr double kMrStoredMaximum = 4095.0;

struct DicomSeries {
  DicomModality modality = DicomModality::MR;
  torch::Tensor volume;  // real (or complex: magnitude is taken) [H, W] or [D, H, W]; MR any units, CT HU
  VolumeGeometry geometry;
  int series_number = 1;
  std::string series_description;      // LO, cut to 64 characters, e.g. "DiffRecon l1-wavelet"
  std::string derivation_description;  // ST: method, prior and its SHA-256, seed, NFE, software version
  std::string image_comments;          // LT: free text (e.g. the parameters)
  std::string image_type_value3;       // default OTHER (MR) / AXIAL (CT)
  std::optional<double> mr_scale;      // MR: stored units per unit of value (default 4095 / max)
  // Display window in the volume's units (MR magnitude, CT HU); default: MR 0 .. 99.5th percentile,
  // CT soft tissue (centre 40, width 400).
  std::optional<double> window_centre, window_width;
};

struct WrittenDicomSeries {
  std::filesystem::path folder;              // where the series ended up
  std::vector<std::string> file_names;       // IM0001.dcm, ... in slice order
  std::string series_instance_uid;
  double scale = 1.0;                         // MR: stored = round(value * scale); CT: 1 / slope
  double rescale_intercept = 0.0;             // CT: -1024
};

class DicomSeriesWriter {
 public:
  // Every series written by this writer shares one study (the input's Study Instance UID when it
  // carries a valid one, otherwise a fresh one) and one Frame of Reference (an uncertainty map lies
  // on the same voxels as its image). Throws std::invalid_argument for a bad UID root.
  // `uid_key` empty: fresh UIDs (make_dicom_uid); otherwise every UID is derived from it
  // (derived_dicom_uid of key/study, key/frame, key/series/<folder name>, key/instance/<folder>/<k>),
  // so two processes writing the same job agree on every UID.
  explicit DicomSeriesWriter(DicomStudy study, std::string uid_root = kDefaultDicomUidRoot, std::string uid_key = "");

  const std::string& study_instance_uid() const { return study_.study_instance_uid; }
  const std::string& frame_of_reference_uid() const { return frame_of_reference_uid_; }
  const DicomStudy& study() const { return study_; }

  // Writes the series into `folder` (IM0001.dcm, IM0002.dcm, ...) atomically: under a temporary
  // name, renamed when every file is written. Throws DicomError naming the file on a write failure,
  // std::invalid_argument for a volume or geometry that cannot be written.
  WrittenDicomSeries write(const std::filesystem::path& folder, const DicomSeries& series,
                           Overwrite overwrite = Overwrite::Refuse) const;

 private:
  DicomStudy study_;
  std::string uid_root_;
  std::string uid_key_;
  std::string frame_of_reference_uid_;

  std::string uid(const std::string& role) const;
};

}  // namespace diffrecon
