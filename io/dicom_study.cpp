#include "io/dicom_study.h"

#include "io/ismrmrd_reader.h"

#include <algorithm>

namespace diffrecon {
namespace {

std::string without(std::string text, char removed) {
  text.erase(std::remove(text.begin(), text.end(), removed), text.end());
  return text;
}

}  // namespace

std::string dicom_date(const std::string& iso_date) { return without(iso_date, '-'); }
std::string dicom_time(const std::string& iso_time) { return without(iso_time, ':'); }

DicomStudy dicom_study_from_ismrmrd(const IsmrmrdMetadata& m) {
  DicomStudy study;
  study.patient_name = m.patient_name;
  study.patient_id = m.patient_id;
  study.patient_birth_date = dicom_date(m.patient_birthdate);
  study.patient_sex = m.patient_gender;
  if (!m.patient_position.empty()) study.patient_position = m.patient_position;
  study.study_instance_uid = m.study_instance_uid;
  study.study_date = dicom_date(m.study_date);
  study.study_time = dicom_time(m.study_time);
  study.study_id = m.study_id;
  study.study_description = m.study_description;
  study.institution_name = m.institution_name;
  study.manufacturer = m.system_vendor;
  study.manufacturer_model_name = m.system_model;
  study.station_name = m.station_name;
  study.magnetic_field_strength_t = m.field_strength_t.value_or(0.0);
  return study;
}

}  // namespace diffrecon
