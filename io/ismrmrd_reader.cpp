#include "io/ismrmrd_reader.h"

#include "io/dicom_study.h"

#include <hdf5.h>
#include <ismrmrd/dataset.h>
#include <ismrmrd/ismrmrd.h>
#include <ismrmrd/xml.h>

#include <cmath>
#include <map>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

template <typename T>
std::string text_of(const ISMRMRD::Optional<T>& value) {
  if (!value.is_present()) return "";
  if constexpr (std::is_same_v<T, std::string>) {
    return *value;
  } else {
    return std::to_string(*value);
  }
}

IsmrmrdEncoding encoding_of(const ISMRMRD::Encoding& e) {
  IsmrmrdEncoding out;
  out.encoded_matrix = {e.encodedSpace.matrixSize.x, e.encodedSpace.matrixSize.y, e.encodedSpace.matrixSize.z};
  out.encoded_fov_mm = {e.encodedSpace.fieldOfView_mm.x, e.encodedSpace.fieldOfView_mm.y, e.encodedSpace.fieldOfView_mm.z};
  out.recon_matrix = {e.reconSpace.matrixSize.x, e.reconSpace.matrixSize.y, e.reconSpace.matrixSize.z};
  out.recon_fov_mm = {e.reconSpace.fieldOfView_mm.x, e.reconSpace.fieldOfView_mm.y, e.reconSpace.fieldOfView_mm.z};
  if (e.encodingLimits.kspace_encoding_step_1.is_present()) {
    const auto& limit = *e.encodingLimits.kspace_encoding_step_1;
    out.step1_minimum = limit.minimum;
    out.step1_maximum = limit.maximum;
    out.step1_center = limit.center;
  } else {
    out.step1_maximum = out.encoded_matrix[1] - 1;
    out.step1_center = out.encoded_matrix[1] / 2;
  }
  if (e.encodingLimits.slice.is_present()) out.slices = e.encodingLimits.slice->maximum + 1;
  if (e.parallelImaging.is_present()) {
    out.acceleration_step1 = e.parallelImaging->accelerationFactor.kspace_encoding_step_1;
    out.acceleration_step2 = e.parallelImaging->accelerationFactor.kspace_encoding_step_2;
    out.calibration_mode = text_of(e.parallelImaging->calibrationMode);
  }
  return out;
}

IsmrmrdMetadata metadata_of(const ISMRMRD::IsmrmrdHeader& h) {
  IsmrmrdMetadata m;
  if (h.subjectInformation.is_present()) {
    const auto& s = *h.subjectInformation;
    m.patient_name = text_of(s.patientName);
    m.patient_id = text_of(s.patientID);
    m.patient_birthdate = text_of(s.patientBirthdate);
    m.patient_gender = text_of(s.patientGender);
    if (s.patientWeight_kg.is_present()) m.patient_weight_kg = *s.patientWeight_kg;
  }
  if (h.studyInformation.is_present()) {
    const auto& s = *h.studyInformation;
    m.study_date = text_of(s.studyDate);
    m.study_time = text_of(s.studyTime);
    m.study_id = text_of(s.studyID);
    m.study_description = text_of(s.studyDescription);
    m.study_instance_uid = text_of(s.studyInstanceUID);
  }
  if (h.measurementInformation.is_present()) {
    const auto& s = *h.measurementInformation;
    m.measurement_id = text_of(s.measurementID);
    m.series_date = text_of(s.seriesDate);
    m.series_time = text_of(s.seriesTime);
    m.protocol_name = text_of(s.protocolName);
    m.series_description = text_of(s.seriesDescription);
    m.patient_position = s.patientPosition;
    m.series_instance_uid_root = text_of(s.seriesInstanceUIDRoot);
    m.frame_of_reference_uid = text_of(s.frameOfReferenceUID);
  }
  if (h.acquisitionSystemInformation.is_present()) {
    const auto& s = *h.acquisitionSystemInformation;
    m.system_vendor = text_of(s.systemVendor);
    m.system_model = text_of(s.systemModel);
    m.institution_name = text_of(s.institutionName);
    m.station_name = text_of(s.stationName);
    if (s.systemFieldStrength_T.is_present()) m.field_strength_t = *s.systemFieldStrength_T;
  }
  m.resonance_frequency_hz = h.experimentalConditions.H1resonanceFrequency_Hz;
  return m;
}

bool is_auxiliary(ISMRMRD::Acquisition& acq) {
  for (auto flag : {ISMRMRD::ISMRMRD_ACQ_IS_NAVIGATION_DATA, ISMRMRD::ISMRMRD_ACQ_IS_PHASECORR_DATA,
                    ISMRMRD::ISMRMRD_ACQ_IS_HPFEEDBACK_DATA, ISMRMRD::ISMRMRD_ACQ_IS_DUMMYSCAN_DATA,
                    ISMRMRD::ISMRMRD_ACQ_IS_RTFEEDBACK_DATA, ISMRMRD::ISMRMRD_ACQ_IS_SURFACECOILCORRECTIONSCAN_DATA,
                    ISMRMRD::ISMRMRD_ACQ_IS_PHASE_STABILIZATION_REFERENCE, ISMRMRD::ISMRMRD_ACQ_IS_PHASE_STABILIZATION})
    if (acq.isFlagSet(flag)) return true;
  return false;
}

// The acquisition's channels x samples as a complex64 tensor [C, N] (ISMRMRD stores data[channel][sample]).
torch::Tensor samples_of(ISMRMRD::Acquisition& acq) {
  const int64_t channels = acq.active_channels(), samples = acq.number_of_samples();
  return torch::from_blob(acq.getDataPtr(), {channels, samples}, torch::kComplexFloat).clone();
}

// ISMRMRD's own errors reach us as exceptions with their message; its default handler would also
// print each to stderr.
void silent_ismrmrd_errors(const char*, int, const char*, int, const char*) {}

// HDF5 prints every failed call to stderr unless told not to; for the checks below, whose failures
// become one IsmrmrdError each.
class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &handler_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, handler_, data_); }
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;

 private:
  H5E_auto2_t handler_ = nullptr;
  void* data_ = nullptr;
};

// ISMRMRD 1.8 opens a dataset read-write: a file that is not HDF5 is truncated and recreated, and a
// missing group is created. So the file is checked first, read-only, with HDF5 itself: the reader
// never writes to its input.
void require_ismrmrd_group(const fs::path& path, const std::string& dataset) {
  const auto name = "'" + path.string() + "'";
  std::error_code error;
  if (fs::file_size(path, error) == 0 || error) throw IsmrmrdError("ISMRMRD file " + name + " is empty");
  const QuietHdf5Errors quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw IsmrmrdError(name + " is not an HDF5 file (expected ISMRMRD HDF5: truncated, or another format)");
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) throw IsmrmrdError("cannot open " + name + " as HDF5 (truncated or damaged?)");
  const htri_t group = H5Lexists(file, ("/" + dataset).c_str(), H5P_DEFAULT);
  const htri_t header = group > 0 ? H5Lexists(file, ("/" + dataset + "/xml").c_str(), H5P_DEFAULT) : 0;
  H5Fclose(file);
  if (group <= 0) throw IsmrmrdError(name + " has no ISMRMRD group '" + dataset + "' (expected an ISMRMRD dataset)");
  if (header <= 0) throw IsmrmrdError(name + " has no ISMRMRD XML header in group '" + dataset + "'");
}

std::unique_ptr<ISMRMRD::Dataset> open_dataset(const fs::path& path, const std::string& dataset) {
  if (!fs::is_regular_file(path)) throw IsmrmrdError("ISMRMRD file '" + path.string() + "' does not exist");
  require_ismrmrd_group(path, dataset);
  ISMRMRD::ismrmrd_set_error_handler(silent_ismrmrd_errors);
  try {
    return std::make_unique<ISMRMRD::Dataset>(path.c_str(), dataset.c_str(), false);
  } catch (const std::exception& error) {
    throw IsmrmrdError("cannot open '" + path.string() + "' as ISMRMRD (group '" + dataset + "'): " + error.what());
  }
}

// Bytes of one slice of complex64 k-space, in double so that header values cannot overflow it.
double slice_bytes(int64_t coils, int64_t height, int64_t width) { return 8.0 * double(coils) * double(height) * double(width); }
constexpr double kMaxSliceBytes = 4.0 * (1LL << 30);

}  // namespace

void parse_ismrmrd_header(const std::string& xml, const std::string& name, IsmrmrdScan& scan) {
  scan.xml = xml;
  ISMRMRD::IsmrmrdHeader header;
  try {
    ISMRMRD::deserialize(scan.xml.c_str(), header);
  } catch (const std::exception& error) {
    throw IsmrmrdError(name + " has no readable ISMRMRD XML header: " + error.what());
  }
  if (header.encoding.empty()) throw IsmrmrdError(name + ": the XML header has no <encoding>");
  if (header.encoding.size() > 1)
    throw IsmrmrdError(name + " has " + std::to_string(header.encoding.size()) + " encodings; only one is supported");
  const auto& e = header.encoding.front();
  if (e.trajectory != ISMRMRD::TrajectoryType::CARTESIAN)
    throw IsmrmrdError(name + " is not Cartesian; only Cartesian data are supported");
  scan.encoding = encoding_of(e);
  scan.metadata = metadata_of(header);
  check_study_text(dicom_study_from_ismrmrd(scan.metadata), name + " (XML header)");
  if (scan.encoding.encoded_matrix[2] > 1)
    throw IsmrmrdError(name + " is 3-D (encoded z = " + std::to_string(scan.encoding.encoded_matrix[2]) +
                       "); only 2-D data are supported");
  const int64_t height = scan.encoding.encoded_matrix[0], width = scan.encoding.encoded_matrix[1];
  // Sizes come from the file: check them before anything is allocated (one slice of complex64
  // k-space per coil; 64 Ki per side and 4 GiB per slice are far above any 2-D scan).
  if (height < 1 || width < 1 || height > 65536 || width > 65536)
    throw IsmrmrdError(name + ": encoded matrix " + std::to_string(height) + " x " + std::to_string(width) +
                       " is not a 2-D matrix of 1 to 65536 samples per side");
  if (header.acquisitionSystemInformation.is_present() && header.acquisitionSystemInformation->receiverChannels.is_present())
    scan.coils = *header.acquisitionSystemInformation->receiverChannels;
  if (scan.coils < 0 || slice_bytes(scan.coils, height, width) > kMaxSliceBytes)
    throw IsmrmrdError(name + ": " + std::to_string(scan.coils) + " receiver channels of " + std::to_string(height) +
                       " x " + std::to_string(width) + " samples would need more than 4 GiB per slice");
}

IsmrmrdScan read_ismrmrd(const fs::path& path, const IsmrmrdReadOptions& options) {
  const auto name = "'" + path.string() + "'";
  auto dataset = open_dataset(path, options.dataset);
  IsmrmrdScan scan;
  {
    std::string xml;
    try {
      dataset->readHeader(xml);
    } catch (const std::exception& error) {
      throw IsmrmrdError(name + " has no readable ISMRMRD XML header: " + error.what());
    }
    parse_ismrmrd_header(xml, name, scan);
  }
  const int64_t height = scan.encoding.encoded_matrix[0], width = scan.encoding.encoded_matrix[1];
  const uint32_t count = dataset->getNumberOfAcquisitions();
  std::vector<torch::Tensor> noise;
  struct SliceSum {
    torch::Tensor sum, hits;
  };
  std::map<int64_t, SliceSum> slices;  // by ISMRMRD slice index
  bool geometry_taken = false;
  ISMRMRD::Acquisition acq;
  for (uint32_t i = 0; i < count; ++i) {
    dataset->readAcquisition(i, acq);
    if (acq.isFlagSet(ISMRMRD::ISMRMRD_ACQ_IS_NOISE_MEASUREMENT)) {
      noise.push_back(samples_of(acq));
      scan.noise_dwell_us = acq.sample_time_us();
      ++scan.noise_acquisitions;
      continue;
    }
    const auto& idx = acq.idx();
    if (!is_auxiliary(acq)) scan.slices_found = std::max<int64_t>(scan.slices_found, idx.slice + 1);
    if (is_auxiliary(acq) || (options.slice && idx.slice != *options.slice) ||
        (options.repetition >= 0 && idx.repetition != options.repetition)) {
      ++scan.skipped_acquisitions;
      continue;
    }
    if (idx.kspace_encode_step_2 != 0)
      throw IsmrmrdError(name + ": acquisition " + std::to_string(i) + " has encode step 2 = " +
                         std::to_string(idx.kspace_encode_step_2) + "; only 2-D data are supported");
    const int64_t channels = acq.active_channels();
    if (scan.coils == 0) scan.coils = channels;
    if (slice_bytes(channels, height, width) > kMaxSliceBytes)
      throw IsmrmrdError(name + ": acquisition " + std::to_string(i) + " has " + std::to_string(channels) +
                         " channels, more than 4 GiB per slice");
    if (channels != scan.coils)
      throw IsmrmrdError(name + ": acquisition " + std::to_string(i) + " has " + std::to_string(channels) +
                         " active channels, expected " + std::to_string(scan.coils));
    auto& slice = slices[idx.slice];
    if (!slice.sum.defined()) {
      slice.sum = torch::zeros({scan.coils, height, width}, torch::kComplexFloat);
      slice.hits = torch::zeros({height, width}, torch::kFloat32);
    }
    auto samples = samples_of(acq);
    const int64_t first = acq.discard_pre(), kept = acq.number_of_samples() - acq.discard_pre() - acq.discard_post();
    if (kept <= 0) throw IsmrmrdError(name + ": acquisition " + std::to_string(i) + " discards all its samples");
    samples = samples.narrow(1, first, kept);
    if (acq.isFlagSet(ISMRMRD::ISMRMRD_ACQ_IS_REVERSE)) samples = samples.flip(1);
    // The echo centre (center_sample) goes to readout index H/2, the DC of the centred FFT.
    const int64_t offset = height / 2 - (static_cast<int64_t>(acq.center_sample()) - first);
    const int64_t line = static_cast<int64_t>(idx.kspace_encode_step_1) - scan.encoding.step1_center + width / 2;
    if (line < 0 || line >= width || offset < 0 || offset + kept > height)
      throw IsmrmrdError(name + ": acquisition " + std::to_string(i) + " (encode step 1 = " +
                         std::to_string(idx.kspace_encode_step_1) + ", " + std::to_string(kept) +
                         " samples) falls outside the encoded matrix " + std::to_string(height) + " x " +
                         std::to_string(width));
    using torch::indexing::Slice;
    slice.sum.index({Slice(), Slice(offset, offset + kept), line}) += samples;
    slice.hits.index({Slice(offset, offset + kept), line}) += 1;
    ++scan.imaging_lines;
    if (acq.isFlagSet(ISMRMRD::ISMRMRD_ACQ_IS_PARALLEL_CALIBRATION) ||
        acq.isFlagSet(ISMRMRD::ISMRMRD_ACQ_IS_PARALLEL_CALIBRATION_AND_IMAGING))
      ++scan.calibration_lines;
    scan.acquisition_dwell_us = acq.sample_time_us();
    if (!geometry_taken) {
      auto& m = scan.metadata;
      for (int k = 0; k < 3; ++k) {
        m.position[k] = acq.position()[k];
        m.read_direction[k] = acq.read_dir()[k];
        m.phase_direction[k] = acq.phase_dir()[k];
        m.slice_direction[k] = acq.slice_dir()[k];
        m.table_position[k] = acq.patient_table_position()[k];
      }
      geometry_taken = true;
    }
  }
  // Slices asked for: one, or every slice the header or the data name; each must have data.
  std::vector<int64_t> wanted;
  if (options.slice) {
    wanted.push_back(*options.slice);
  } else {
    const int64_t total = std::max(scan.encoding.slices, scan.slices_found);
    for (int64_t k = 0; k < total; ++k) wanted.push_back(k);
  }
  std::vector<torch::Tensor> kspaces, masks;
  for (const int64_t index : wanted) {
    const auto found = slices.find(index);
    if (found == slices.end())
      throw IsmrmrdError(name + " has no imaging acquisitions for slice " + std::to_string(index) +
                         (options.repetition >= 0 ? ", repetition " + std::to_string(options.repetition) : std::string()));
    // Lines acquired several times (averages, or all repetitions with repetition = -1) are averaged.
    kspaces.push_back(found->second.sum / found->second.hits.clamp_min(1));
    masks.push_back(found->second.hits.gt(0).to(torch::kFloat32));
    scan.slice_indices.push_back(index);
  }
  scan.kspace = torch::stack(kspaces);
  scan.mask = torch::stack(masks);
  if (!noise.empty()) {
    scan.noise = torch::cat(noise, 1);
    if (scan.noise.size(0) != scan.coils)
      throw IsmrmrdError(name + ": noise scans have " + std::to_string(scan.noise.size(0)) + " channels, data " +
                         std::to_string(scan.coils));
  }
  return scan;
}

int64_t IsmrmrdScan::readout_oversampling() const {
  const int64_t encoded_x = encoding.encoded_matrix[0], recon_x = encoding.recon_matrix[0];
  return (recon_x > 0 && recon_x < encoded_x && encoded_x % recon_x == 0) ? encoded_x / recon_x : 1;
}

torch::Tensor read_ismrmrd_array(const fs::path& path, const std::string& name, const std::string& dataset_name) {
  auto dataset = open_dataset(path, dataset_name);
  ISMRMRD::NDArray<complex_float_t> array;
  try {
    dataset->readNDArray(name, 0, array);
  } catch (const std::exception& error) {
    throw IsmrmrdError("'" + path.string() + "' has no complex array '" + name + "': " + error.what());
  }
  std::vector<int64_t> sizes, strides;
  int64_t stride = 1;
  for (uint16_t d = 0; d < array.getNDim(); ++d) {
    sizes.push_back(static_cast<int64_t>(array.getDims()[d]));
    strides.push_back(stride);
    stride *= sizes.back();
  }
  return torch::from_blob(array.getDataPtr(), sizes, strides, torch::kComplexFloat).contiguous();
}

}  // namespace diffrecon
