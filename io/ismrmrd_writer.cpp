#include "io/ismrmrd_writer.h"

#include <ismrmrd/dataset.h>
#include <ismrmrd/ismrmrd.h>
#include <ismrmrd/version.h>
#include <ismrmrd/xml.h>

#include <sstream>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

template <typename T>
void set_if(ISMRMRD::Optional<T>& field, const std::string& value) {
  if (!value.empty()) field = value;
}

std::string header_xml(const IsmrmrdAcquisition& a, int64_t coils, int64_t height, int64_t width) {
  ISMRMRD::IsmrmrdHeader h;
  h.version = ISMRMRD_XMLHDR_VERSION;
  const auto& m = a.metadata;
  h.experimentalConditions.H1resonanceFrequency_Hz = m.resonance_frequency_hz > 0 ? m.resonance_frequency_hz : 63500000;
  ISMRMRD::SubjectInformation subject;
  set_if(subject.patientName, m.patient_name);
  set_if(subject.patientID, m.patient_id);
  set_if(subject.patientBirthdate, m.patient_birthdate);
  set_if(subject.patientGender, m.patient_gender);
  h.subjectInformation = subject;
  ISMRMRD::StudyInformation study;
  set_if(study.studyDate, m.study_date);
  set_if(study.studyTime, m.study_time);
  set_if(study.studyID, m.study_id);
  set_if(study.studyDescription, m.study_description);
  set_if(study.studyInstanceUID, m.study_instance_uid);
  h.studyInformation = study;
  ISMRMRD::MeasurementInformation measurement;
  measurement.patientPosition = m.patient_position.empty() ? "HFS" : m.patient_position;
  set_if(measurement.protocolName, m.protocol_name);
  set_if(measurement.seriesDescription, m.series_description);
  h.measurementInformation = measurement;
  ISMRMRD::AcquisitionSystemInformation system;
  set_if(system.systemVendor, m.system_vendor);
  set_if(system.systemModel, m.system_model);
  set_if(system.institutionName, m.institution_name);
  if (m.field_strength_t) system.systemFieldStrength_T = static_cast<float>(*m.field_strength_t);
  system.receiverChannels = static_cast<unsigned short>(coils);
  h.acquisitionSystemInformation = system;
  ISMRMRD::Encoding e;
  e.trajectory = ISMRMRD::TrajectoryType::CARTESIAN;
  e.encodedSpace.matrixSize = ISMRMRD::MatrixSize(static_cast<unsigned short>(height), static_cast<unsigned short>(width), 1);
  e.encodedSpace.fieldOfView_mm = {static_cast<float>(a.fov_mm[0]), static_cast<float>(a.fov_mm[1]),
                                   static_cast<float>(a.fov_mm[2])};
  e.reconSpace = e.encodedSpace;
  e.encodingLimits.kspace_encoding_step_1 =
      ISMRMRD::Limit(0, static_cast<unsigned short>(width - 1), static_cast<unsigned short>(width / 2));
  e.encodingLimits.slice = ISMRMRD::Limit(0, 0, 0);
  ISMRMRD::ParallelImaging parallel;
  parallel.accelerationFactor.kspace_encoding_step_1 = static_cast<unsigned short>(std::max(1.0, a.acceleration + 0.5));
  parallel.accelerationFactor.kspace_encoding_step_2 = 1;
  parallel.calibrationMode = std::string("embedded");
  e.parallelImaging = parallel;
  h.encoding.push_back(e);
  std::ostringstream xml;
  ISMRMRD::serialize(h, xml);
  return xml.str();
}

void set_geometry(ISMRMRD::Acquisition& acq, const IsmrmrdMetadata& m) {
  for (int k = 0; k < 3; ++k) {
    acq.position()[k] = m.position[k];
    acq.read_dir()[k] = m.read_direction[k];
    acq.phase_dir()[k] = m.phase_direction[k];
    acq.slice_dir()[k] = m.slice_direction[k];
    acq.patient_table_position()[k] = m.table_position[k];
  }
}

}  // namespace

void write_ismrmrd(const fs::path& path, const IsmrmrdAcquisition& a, Overwrite overwrite) {
  if (!a.kspace.defined() || a.kspace.dim() != 3 || !a.kspace.is_complex())
    throw std::invalid_argument("ISMRMRD '" + path.string() + "': expected complex k-space [coils, readout, lines]");
  const auto kspace = a.kspace.detach().to(torch::kCPU).to(torch::kComplexFloat).contiguous();
  const int64_t coils = kspace.size(0), height = kspace.size(1), width = kspace.size(2);
  auto lines = a.mask.defined() ? a.mask.detach().to(torch::kCPU).to(torch::kFloat32) : torch::ones({width});
  if (lines.dim() == 2) lines = lines.abs().amax(0);
  if (lines.dim() != 1 || lines.size(0) != width)
    throw std::invalid_argument("ISMRMRD '" + path.string() + "': the mask " + c10::str(a.mask.sizes()) +
                                " does not fit k-space " + c10::str(kspace.sizes()));
  AtomicOutput output(path, overwrite);
  try {
    ISMRMRD::Dataset dataset(output.temporary_path().c_str(), "dataset", true);
    dataset.writeHeader(header_xml(a, coils, height, width));
    uint32_t scan = 0;
    if (a.noise.defined()) {
      const auto noise = a.noise.detach().to(torch::kCPU).to(torch::kComplexFloat).contiguous();
      ISMRMRD::Acquisition acq(static_cast<uint16_t>(noise.size(1)), static_cast<uint16_t>(coils));
      acq.setFlag(ISMRMRD::ISMRMRD_ACQ_IS_NOISE_MEASUREMENT);
      acq.scan_counter() = scan++;
      const auto* values = noise.data_ptr<c10::complex<float>>();
      for (int64_t c = 0; c < coils; ++c)
        for (int64_t s = 0; s < noise.size(1); ++s)
          acq.data(static_cast<uint16_t>(s), static_cast<uint16_t>(c)) = {values[c * noise.size(1) + s].real(),
                                                                          values[c * noise.size(1) + s].imag()};
      dataset.appendAcquisition(acq);
    }
    std::vector<int64_t> sampled;
    for (int64_t j = 0; j < width; ++j)
      if (lines[j].item<float>() != 0.0f) sampled.push_back(j);
    const auto* values = kspace.data_ptr<c10::complex<float>>();
    for (size_t n = 0; n < sampled.size(); ++n) {
      const int64_t j = sampled[n];
      ISMRMRD::Acquisition acq(static_cast<uint16_t>(height), static_cast<uint16_t>(coils));
      acq.scan_counter() = scan++;
      acq.center_sample() = static_cast<uint16_t>(height / 2);
      acq.available_channels() = static_cast<uint16_t>(coils);
      acq.idx().kspace_encode_step_1 = static_cast<uint16_t>(j);
      if (n == 0) acq.setFlag(ISMRMRD::ISMRMRD_ACQ_FIRST_IN_SLICE);
      if (n + 1 == sampled.size()) acq.setFlag(ISMRMRD::ISMRMRD_ACQ_LAST_IN_SLICE);
      const int64_t calibration_start = width / 2 - a.calibration_lines / 2;
      if (j >= calibration_start && j < calibration_start + a.calibration_lines)
        acq.setFlag(ISMRMRD::ISMRMRD_ACQ_IS_PARALLEL_CALIBRATION_AND_IMAGING);
      set_geometry(acq, a.metadata);
      for (int64_t c = 0; c < coils; ++c)
        for (int64_t s = 0; s < height; ++s) {
          const auto v = values[(c * height + s) * width + j];
          acq.data(static_cast<uint16_t>(s), static_cast<uint16_t>(c)) = {v.real(), v.imag()};
        }
      dataset.appendAcquisition(acq);
    }
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& error) {
    throw IsmrmrdError("cannot write ISMRMRD file '" + path.string() + "': " + error.what());
  }
  output.commit();
}

}  // namespace diffrecon
