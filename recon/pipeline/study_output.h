// The output folder of one reconstructed study, written whole or not at all (io/atomic_output.h):
//
//   DIR/dicom/001_<image>/IM0001.dcm ...   the image series (MR or CT Image Storage)
//   DIR/dicom/002_std/IM0001.dcm ...       the uncertainty (posterior std) series, when there is one,
//                                          in the same study and frame of reference
//   DIR/preview.png                        the preview panels side by side
//   DIR/report.json                        method, parameters, prior and checksum, seed, NFE,
//                                          metrics, timings, versions, quantisation, series UIDs
//
// A folder with report.json is complete (`diffrecon batch` skips it when resuming).
#pragma once

#include "io/atomic_output.h"
#include "io/dicom_series_writer.h"
#include "recon/pipeline/reconstruction_record.h"

#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace diffrecon {

constexpr const char* kStudyReportName = "report.json";

struct PreviewPanel {
  std::string label;     // written under the panel and listed in the report, left to right
  torch::Tensor image;   // 2-D [H, W] (magnitude taken); an undefined tensor leaves a black panel
};

struct StudyOutputRequest {
  std::filesystem::path folder;
  Overwrite overwrite = Overwrite::Refuse;
  DicomModality modality = DicomModality::MR;
  DicomStudy study;
  std::string uid_root = kDefaultDicomUidRoot;
  std::string uid_key;        // empty: fresh UIDs; else every UID derived from it (io/dicom_series_writer.h)
  VolumeGeometry geometry;
  torch::Tensor image;        // [H, W] or [D, H, W]: MR magnitude (complex allowed), CT Hounsfield units
  torch::Tensor uncertainty;  // optional, the same shape and units (posterior standard deviation)
  std::string series_name = "image";  // folder name and Series Description suffix
  ReconstructionRecord record;
  // Shown side by side in preview.png through one window: MR 0 .. the 99.5th percentile of the
  // first panel's magnitude, CT the soft-tissue window (-160, 240) HU. Empty: the image's slices.
  std::vector<PreviewPanel> previews;
};

struct StudyOutput {
  std::filesystem::path folder;
  std::vector<WrittenDicomSeries> series;        // with their final folders
  std::vector<std::filesystem::path> dicom_files;  // every instance written, series by series
  std::string study_instance_uid;
};

// Throws OutputError (existing folder without Overwrite::Allow, missing parent), DicomError or
// std::invalid_argument; nothing is left behind on failure.
StudyOutput write_study_output(const StudyOutputRequest& request);

// Whether `folder` is a complete study output (exists and holds report.json).
bool is_complete_study_output(const std::filesystem::path& folder);

}  // namespace diffrecon
