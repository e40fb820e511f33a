#include "io/dicom_study.h"

#include "core/error.h"
#include "io/ismrmrd_reader.h"

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

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

bool is_utf8(const std::string& text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  for (size_t at = 0; at < size;) {
    const unsigned char lead = bytes[at];
    if (lead < 0x80) {
      ++at;
      continue;
    }
    // The lead byte gives the number of continuation bytes, its payload bits, and the smallest code
    // point that needs that many (anything smaller is an overlong form).
    int continuation = 0;
    uint32_t code = 0, smallest = 0;
    if ((lead & 0xE0) == 0xC0) {
      continuation = 1, code = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      continuation = 2, code = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      continuation = 3, code = lead & 0x07, smallest = 0x10000;
    } else {
      return false;
    }
    if (size - at <= static_cast<size_t>(continuation)) return false;  // cut short
    for (int k = 1; k <= continuation; ++k) {
      if ((bytes[at + k] & 0xC0) != 0x80) return false;
      code = (code << 6) | (bytes[at + k] & 0x3F);
    }
    if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    at += continuation + 1;
  }
  return true;
}

void check_study_text(const DicomStudy& study, const std::string& source) {
  // (attribute, value, most characters; for a person name, per '='-separated component group)
  const std::vector<std::tuple<const char*, const std::string*, size_t, bool>> fields{
      {"Patient's Name", &study.patient_name, 64, true},
      {"Patient ID", &study.patient_id, 64, false},
      {"Patient's Birth Date", &study.patient_birth_date, 8, false},
      {"Patient's Sex", &study.patient_sex, 16, false},
      {"Patient Position", &study.patient_position, 16, false},
      {"Study Date", &study.study_date, 8, false},
      {"Study Time", &study.study_time, 16, false},
      {"Study ID", &study.study_id, 16, false},
      {"Study Description", &study.study_description, 64, false},
      {"Accession Number", &study.accession_number, 16, false},
      {"Referring Physician's Name", &study.referring_physician_name, 64, true},
      {"Institution Name", &study.institution_name, 64, false},
      {"Manufacturer", &study.manufacturer, 64, false},
      {"Manufacturer's Model Name", &study.manufacturer_model_name, 64, false},
      {"Station Name", &study.station_name, 16, false},
      {"Body Part Examined", &study.body_part_examined, 16, false},
  };
  for (const auto& [attribute, value, most, person_name] : fields) {
    if (!is_utf8(*value))
      throw InputError(source + ": " + attribute + " is not UTF-8 text (expected text the DICOM series can carry)");
    std::vector<std::string> parts{*value};
    if (person_name) {
      parts.clear();
      size_t start = 0;
      for (size_t end; (end = value->find('=', start)) != std::string::npos; start = end + 1)
        parts.push_back(value->substr(start, end - start));
      parts.push_back(value->substr(start));
    }
    for (const auto& part : parts) {
      // Characters, not bytes: a UTF-8 continuation byte does not start one.
      const auto characters = static_cast<size_t>(
          std::count_if(part.begin(), part.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
      if (characters > most)
        throw InputError(source + ": " + attribute + " has " + std::to_string(characters) + " characters" +
                         (person_name ? " in one name group" : "") + "; DICOM allows at most " + std::to_string(most));
    }
  }
}

}  // namespace diffrecon
