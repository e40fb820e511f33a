// ISMRMRD (MRD) HDF5 raw data (doc/mrd_files.md of ismrmrd/ismrmrd): the XML header, Cartesian 2-D
// acquisitions assembled into multi-coil k-space [S, C, H, W] (S slices, H the readout, W phase
// encoding step 1; the layout of mri/sense_operator.h), the noise scans, and the patient/study/geometry
// metadata kept for DICOM output. The reader only reads: the data come back as acquired (readout
// oversampling kept, not whitened); removing the oversampling and pre-whitening with the noise scans
// are mri/ steps (mri/acquisition.h) that the pipeline runs. The file is read once for all slices.
#pragma once

#include <torch/types.h>

#include <array>
#include <filesystem>
#include <optional>
#include "core/error.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon {

// A file that is not readable ISMRMRD, or holds what the reader does not support; names the file.
class IsmrmrdError : public InputError {
 public:
  using InputError::InputError;
};

struct IsmrmrdEncoding {
  std::array<int64_t, 3> encoded_matrix{};   // x (readout), y, z
  std::array<double, 3> encoded_fov_mm{};
  std::array<int64_t, 3> recon_matrix{};
  std::array<double, 3> recon_fov_mm{};
  int64_t step1_minimum = 0, step1_maximum = 0, step1_center = 0;  // encodingLimits.kspace_encoding_step_1
  int64_t acceleration_step1 = 1, acceleration_step2 = 1;           // parallelImaging.accelerationFactor
  std::string calibration_mode;                                     // e.g. "interleaved", "embedded"
  int64_t slices = 1;                                               // encodingLimits.slice maximum + 1
};

// What DICOM output needs later; empty strings / nullopt where the file has nothing.
struct IsmrmrdMetadata {
  std::string patient_name, patient_id, patient_birthdate, patient_gender;
  std::optional<double> patient_weight_kg;
  std::string study_date, study_time, study_id, study_description, study_instance_uid;
  std::string measurement_id, series_date, series_time, protocol_name, series_description, patient_position;
  std::string series_instance_uid_root, frame_of_reference_uid;
  std::string system_vendor, system_model, institution_name, station_name;
  std::optional<double> field_strength_t;
  int64_t resonance_frequency_hz = 0;
  // Slice geometry of the first imaging acquisition (patient coordinates, LPS, mm).
  std::array<float, 3> position{}, read_direction{}, phase_direction{}, slice_direction{}, table_position{};
};

struct IsmrmrdReadOptions {
  std::string dataset = "dataset";  // the HDF5 group
  // Which repetition to assemble; -1 averages every acquisition of a line over all repetitions and
  // averages (e.g. the interleaved "repetitions" of ismrmrd_generate_cartesian_shepp_logan -a).
  int64_t repetition = 0;
  // One slice, or (unset) every slice 0 .. max(encoding.slices, slices found) - 1.
  std::optional<int64_t> slice;
};

struct IsmrmrdScan {
  std::string xml;
  IsmrmrdEncoding encoding;
  IsmrmrdMetadata metadata;
  int64_t coils = 0;
  torch::Tensor kspace;            // complex64 [S, C, H, W] as acquired; zero where nothing was acquired
  torch::Tensor mask;              // float [S, H, W]: 1 on acquired samples
  std::vector<int64_t> slice_indices;  // the ISMRMRD slice index of each of the S entries
  torch::Tensor noise;             // complex64 [C, N] noise samples as stored (undefined if none)
  double noise_dwell_us = 0;       // sample time of the noise scans and of the imaging acquisitions:
  double acquisition_dwell_us = 0; //   the data's noise covariance is the noise scans' times t_n / t_a
  int64_t imaging_lines = 0;       // acquisitions used (after selecting repetition and slices)
  int64_t calibration_lines = 0;   // of which flagged IS_PARALLEL_CALIBRATION(_AND_IMAGING)
  int64_t noise_acquisitions = 0;
  int64_t skipped_acquisitions = 0;  // navigators, phase correction, dummies, feedback, other slices/reps
  int64_t slices_found = 0;          // 1 + the largest slice index among imaging acquisitions

  // Readout oversampling in the data: encoded x / recon x when that is a whole number > 1, else 1.
  int64_t readout_oversampling() const;
};

// The XML header's part of read_ismrmrd: the one Cartesian 2-D encoding, the metadata and the
// receiver channels into `scan` (xml, encoding, metadata, coils), sizes checked before anything is
// allocated. IsmrmrdError starting with `name` for anything it cannot take.
void parse_ismrmrd_header(const std::string& xml, const std::string& name, IsmrmrdScan& scan);

// Throws IsmrmrdError naming the file for missing files, non-Cartesian or 3-D data, a missing
// header, inconsistent channel counts, lines outside the encoded matrix or a slice without data.
IsmrmrdScan read_ismrmrd(const std::filesystem::path& path, const IsmrmrdReadOptions& options = {});

// An NDArray stored next to the data (e.g. "phantom", "csm" of the Shepp-Logan generator), complex,
// with its dims in ISMRMRD order (x fastest) as the tensor's shape.
torch::Tensor read_ismrmrd_array(const std::filesystem::path& path, const std::string& name,
                                 const std::string& dataset = "dataset");

}  // namespace diffrecon
