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

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
bool is_utf8(const std::string& text);

// Checks the study's text the way the series written from it must hold it: UTF-8 (the series
// declare ISO_IR 192 when it is not ASCII), and no longer than each attribute's value representation allows (PS3.5
// table 6.2-1: LO and PN groups 64 characters, SH 16, CS 16, DA 8, TM 16). The Study Instance UID
// is not checked (an invalid one is replaced). Throws InputError "<source>: <attribute> ...".
void check_study_text(const DicomStudy& study, const std::string& source);

// "2024-05-01" -> "20240501", "13:45:10.5" -> "134510.5"; text already in DICOM form is kept.
std::string dicom_date(const std::string& iso_date);
std::string dicom_time(const std::string& iso_time);

}  // namespace diffrecon
