// The patient and study a reconstruction belongs to: carried from the input (ISMRMRD subject and
// study information, or an input DICOM series) into every series written, so the PACS files the
// result under the right patient and, when the input has a Study Instance UID, the right study.
// Values are in DICOM form (dates YYYYMMDD, times HHMMSS, names Family^Given); empty = unknown.
#pragma once

#include <string>

namespace diffrecon {

struct IsmrmrdMetadata;

struct DicomStudy {
  std::string patient_name, patient_id, patient_birth_date, patient_sex;  // sex: M, F or O
  std::string patient_position = "HFS";
  std::string study_instance_uid;  // reused when valid, otherwise a fresh one is made
  std::string study_date, study_time, study_id, study_description, accession_number, referring_physician_name;
  std::string institution_name, manufacturer, manufacturer_model_name, station_name, body_part_examined;
  double magnetic_field_strength_t = 0.0;  // MR only; 0 = unknown
};

// From an ISMRMRD header: xs:date "2024-05-01" -> "20240501", xs:time "13:45:10" -> "134510".
DicomStudy dicom_study_from_ismrmrd(const IsmrmrdMetadata& metadata);

// "2024-05-01" -> "20240501", "13:45:10.5" -> "134510.5"; text already in DICOM form is kept.
std::string dicom_date(const std::string& iso_date);
std::string dicom_time(const std::string& iso_time);

}  // namespace diffrecon
