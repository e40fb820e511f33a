#include "io/dicom_series_writer.h"

#include "core/tensor_math.h"
#include "core/version.h"
#include "io/output_space.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

// DS values are at most 16 characters (PS3.5 table 6.2-1): the most digits that fit.
std::string decimal_string(double value) {
  if (std::abs(value) < 1e-10) value = 0.0;  // no "-0" or "1e-17" from rounding noise
  char buffer[64];
  for (int digits = 12; digits >= 1; --digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    if (std::string(buffer).size() <= 16) return buffer;
  }
  throw std::invalid_argument("cannot write " + std::to_string(value) + " as a DICOM decimal string");
}

std::string decimal_strings(std::initializer_list<double> values) {
  std::string text;
  for (double v : values) text += (text.empty() ? "" : "\\") + decimal_string(v);
  return text;
}

// LO/SH/ST values may not hold a backslash (the value separator) or control characters.
std::string clean_text(std::string text, size_t limit) {
  for (auto& c : text)
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  if (text.size() > limit) {
    // Never inside a UTF-8 character: back off over its continuation bytes.
    size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text.resize(end);
  }
  return text;
}

bool is_ascii(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Values an input may carry in another form are dropped rather than written invalid (DA: YYYYMMDD,
// TM: HHMMSS[.frac], sex: M, F or O).
bool all_digits(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}
std::string valid_date(const std::string& date) { return date.size() == 8 && all_digits(date) ? date : ""; }
std::string valid_time(const std::string& time) {
  const auto whole = time.substr(0, time.find('.'));
  return whole.size() >= 2 && whole.size() <= 6 && whole.size() % 2 == 0 && all_digits(whole) && time.size() <= 14 ? time : "";
}
std::string valid_sex(const std::string& sex) { return sex == "M" || sex == "F" || sex == "O" ? sex : ""; }

struct Now {
  std::string date, time;
};

Now now() {
  const std::time_t t = std::time(nullptr);
  std::tm local{};
  localtime_r(&t, &local);
  char date[16], time[16];
  std::strftime(date, sizeof date, "%Y%m%d", &local);
  std::strftime(time, sizeof time, "%H%M%S", &local);
  return {date, time};
}

double dot(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void check_geometry(const VolumeGeometry& g) {
  for (int a = 0; a < 3; ++a) {
    if (!(g.spacing[a] > 0) || !std::isfinite(g.spacing[a]))
      throw std::invalid_argument("DICOM series: spacing " + std::to_string(g.spacing[a]) + " of axis " +
                                  std::to_string(a) + " is not a positive number of millimetres");
    if (std::abs(dot(g.axis(a), g.axis(a)) - 1.0) > 1e-4)
      throw std::invalid_argument("DICOM series: direction of axis " + std::to_string(a) + " is not a unit vector");
    for (int b = a + 1; b < 3; ++b)
      if (std::abs(dot(g.axis(a), g.axis(b))) > 1e-4)
        throw std::invalid_argument("DICOM series: the direction axes are not orthogonal");
  }
}

class DatasetWriter {
 public:
  DatasetWriter(DcmDataset& dataset, const fs::path& file) : dataset_(dataset), file_(file) {}
  void put(const DcmTagKey& tag, const std::string& value) {
    check(dataset_.putAndInsertString(tag, value.c_str()), tag);
  }
  void put_u16(const DcmTagKey& tag, Uint16 value) { check(dataset_.putAndInsertUint16(tag, value), tag); }

 private:
  void check(const OFCondition& condition, const DcmTagKey& tag) {
    if (condition.bad())
      throw DicomError("cannot set " + std::string(tag.toString().c_str()) + " in '" + file_.string() +
                       "': " + condition.text());
  }
  DcmDataset& dataset_;
  const fs::path& file_;
};

}  // namespace

DicomSeriesWriter::DicomSeriesWriter(DicomStudy study, std::string uid_root, std::string uid_key)
    : study_(std::move(study)), uid_root_(std::move(uid_root)), uid_key_(std::move(uid_key)) {
  check_dicom_uid_root(uid_root_);
  if (!is_valid_dicom_uid(study_.study_instance_uid)) study_.study_instance_uid = uid("study");
  if (study_.study_date.empty() && study_.study_time.empty()) {
    const auto today = now();
    study_.study_date = today.date;
    study_.study_time = today.time;
  }
  frame_of_reference_uid_ = uid("frame");
}

std::string DicomSeriesWriter::uid(const std::string& role) const {
  return uid_key_.empty() ? make_dicom_uid(uid_root_) : derived_dicom_uid(uid_root_, uid_key_ + "/" + role);
}

WrittenDicomSeries DicomSeriesWriter::write(const fs::path& folder, const DicomSeries& series,
                                            Overwrite overwrite) const {
  if (!series.volume.defined()) throw std::invalid_argument("DICOM series '" + folder.string() + "': no volume");
  auto volume = series.volume.detach().to(torch::kCPU);
  if (volume.is_complex()) volume = volume.abs();
  volume = volume.to(torch::kFloat64);
  if (volume.dim() == 2) volume = volume.unsqueeze(0);
  if (volume.dim() != 3 || volume.size(1) < 1 || volume.size(2) < 1 || volume.size(1) > 65535 || volume.size(2) > 65535)
    throw std::invalid_argument("DICOM series '" + folder.string() + "': expected a volume [H, W] or [D, H, W], got " +
                                c10::str(series.volume.sizes()));
  if (!torch::isfinite(volume).all().item<bool>())
    throw std::invalid_argument("DICOM series '" + folder.string() + "': the volume holds NaN or infinite values");
  check_geometry(series.geometry);
  const bool mr = series.modality == DicomModality::MR;
  if (mr) volume = volume.abs();

  WrittenDicomSeries written;
  written.series_instance_uid = uid("series/" + folder.filename().string());
  torch::Tensor stored;
  if (mr) {
    const double maximum = volume.max().item<double>();
    written.scale = series.mr_scale.value_or(maximum > 0 ? kMrStoredMaximum / maximum : 1.0);
    if (!(written.scale > 0) || !std::isfinite(written.scale))
      throw std::invalid_argument("DICOM series '" + folder.string() + "': MR scale must be positive");
    stored = (volume * written.scale).round().clamp(0, 65535);
  } else {
    written.rescale_intercept = kCtRescaleIntercept;
    stored = (volume - kCtRescaleIntercept).round().clamp(0, 65535);
  }
  stored = stored.to(torch::kInt32).contiguous();

  // Display window, in stored-value units for MR (no Modality LUT) and in HU for CT.
  double centre = 40.0, width = 400.0;
  if (mr) {
    double high = series.window_width ? 0.0 : magnitude_percentile(volume, 99.5);
    if (!(high > 0)) high = volume.max().item<double>();
    centre = series.window_centre.value_or(high / 2) * written.scale;
    width = std::max(1.0, series.window_width.value_or(high) * written.scale);
  } else {
    centre = series.window_centre.value_or(centre);
    width = std::max(1.0, series.window_width.value_or(width));
  }

  const auto& g = series.geometry;
  const auto row = g.axis(0), column = g.axis(1), normal = g.axis(2);
  const int64_t depth = stored.size(0), rows = stored.size(1), columns = stored.size(2);
  const auto created = now();
  const std::string image_type =
      "DERIVED\\SECONDARY\\" + (series.image_type_value3.empty() ? std::string(mr ? "OTHER" : "AXIAL")
                                                                 : clean_text(series.image_type_value3, 16));
  const std::string quantisation =
      mr ? "stored = round(magnitude x " + decimal_string(written.scale) + ")"
         : std::string("stored = HU + 1024 (Rescale Slope 1, Intercept -1024)");
  const std::string derivation = clean_text(
      series.derivation_description + (series.derivation_description.empty() ? "" : "; ") + quantisation, 1024);

  AtomicOutput output(folder, overwrite);
  // 16-bit pixels and the attributes of each file.
  const double file_bytes = 2.0 * double(rows) * double(columns) + 65536.0;
  require_output_space(folder, file_bytes, file_bytes * double(depth));
  fs::create_directory(output.temporary_path());
  const auto& t = study_;
  bool text_is_ascii = is_ascii(series.series_description) && is_ascii(series.derivation_description);
  for (const auto* text : {&t.patient_name, &t.patient_id, &t.study_description, &t.referring_physician_name,
                           &t.institution_name, &t.manufacturer, &t.manufacturer_model_name, &t.station_name,
                           &t.study_id, &t.accession_number, &t.body_part_examined})
    text_is_ascii = text_is_ascii && is_ascii(*text);
  std::vector<Uint16> pixels(static_cast<size_t>(rows * columns));
  for (int64_t k = 0; k < depth; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "IM%04lld.dcm", static_cast<long long>(k + 1));
    const fs::path file = output.temporary_path() / name;
    DcmFileFormat format;
    DcmDataset& dataset = *format.getDataset();
    DatasetWriter d(dataset, folder / name);

    // The study's text is UTF-8 (io/dicom_study.h, check_study_text): declared as such when it is not
    // plain ASCII, which every character set agrees on.
    d.put(DCM_SpecificCharacterSet, text_is_ascii ? "ISO_IR 100" : "ISO_IR 192");
    d.put(DCM_SOPClassUID, mr ? UID_MRImageStorage : UID_CTImageStorage);
    d.put(DCM_SOPInstanceUID, uid("instance/" + folder.filename().string() + "/" + std::to_string(k + 1)));
    d.put(DCM_InstanceCreationDate, created.date);
    d.put(DCM_InstanceCreationTime, created.time);
    // Patient
    d.put(DCM_PatientName, clean_text(study_.patient_name, 64));
    d.put(DCM_PatientID, clean_text(study_.patient_id, 64));
    d.put(DCM_PatientBirthDate, valid_date(study_.patient_birth_date));
    d.put(DCM_PatientSex, valid_sex(study_.patient_sex));
    // General Study
    d.put(DCM_StudyInstanceUID, study_.study_instance_uid);
    d.put(DCM_StudyDate, valid_date(study_.study_date));
    d.put(DCM_StudyTime, valid_time(study_.study_time));
    d.put(DCM_ReferringPhysicianName, clean_text(study_.referring_physician_name, 64));
    d.put(DCM_StudyID, clean_text(study_.study_id, 16));
    d.put(DCM_AccessionNumber, clean_text(study_.accession_number, 16));
    if (!study_.study_description.empty()) d.put(DCM_StudyDescription, clean_text(study_.study_description, 64));
    // General Series
    d.put(DCM_Modality, mr ? "MR" : "CT");
    d.put(DCM_SeriesInstanceUID, written.series_instance_uid);
    d.put(DCM_SeriesNumber, std::to_string(series.series_number));
    d.put(DCM_SeriesDate, created.date);
    d.put(DCM_SeriesTime, created.time);
    if (!series.series_description.empty()) d.put(DCM_SeriesDescription, clean_text(series.series_description, 64));
    d.put(DCM_PatientPosition, clean_text(study_.patient_position, 16));
    // BodyPartExamined (a defined term of an unpaired part) makes Laterality (2C) not required
    // (docs/platform.md 2.2); HEAD unless the study says otherwise.
    d.put(DCM_BodyPartExamined, clean_text(study_.body_part_examined.empty() ? "HEAD" : study_.body_part_examined, 16));
    // Frame of Reference
    d.put(DCM_FrameOfReferenceUID, frame_of_reference_uid_);
    d.put(DCM_PositionReferenceIndicator, "");
    // General Equipment
    d.put(DCM_Manufacturer, clean_text(study_.manufacturer, 64));
    if (!study_.institution_name.empty()) d.put(DCM_InstitutionName, clean_text(study_.institution_name, 64));
    if (!study_.station_name.empty()) d.put(DCM_StationName, clean_text(study_.station_name, 16));
    if (!study_.manufacturer_model_name.empty())
      d.put(DCM_ManufacturerModelName, clean_text(study_.manufacturer_model_name, 64));
    d.put(DCM_SoftwareVersions, "DiffRecon " + diffrecon_version());
    // General Image
    d.put(DCM_InstanceNumber, std::to_string(k + 1));
    d.put(DCM_ContentDate, created.date);
    d.put(DCM_ContentTime, created.time);
    d.put(DCM_ImageType, image_type);
    d.put(DCM_DerivationDescription, derivation);
    if (!series.image_comments.empty()) d.put(DCM_ImageComments, clean_text(series.image_comments, 10240));
    d.put(DCM_BurnedInAnnotation, "NO");
    // Image Plane
    const double offset = static_cast<double>(k) * g.spacing[2];
    const std::array<double, 3> position{g.origin[0] + offset * normal[0], g.origin[1] + offset * normal[1],
                                         g.origin[2] + offset * normal[2]};
    d.put(DCM_PixelSpacing, decimal_strings({g.spacing[1], g.spacing[0]}));  // row spacing \ column spacing
    d.put(DCM_ImageOrientationPatient,
          decimal_strings({row[0], row[1], row[2], column[0], column[1], column[2]}));
    d.put(DCM_ImagePositionPatient, decimal_strings({position[0], position[1], position[2]}));
    d.put(DCM_SliceThickness, decimal_string(g.slice_thickness_mm));
    d.put(DCM_SliceLocation, decimal_string(dot(position, normal)));
    // Image Pixel
    d.put_u16(DCM_SamplesPerPixel, 1);
    d.put(DCM_PhotometricInterpretation, "MONOCHROME2");
    d.put_u16(DCM_Rows, static_cast<Uint16>(rows));
    d.put_u16(DCM_Columns, static_cast<Uint16>(columns));
    d.put_u16(DCM_BitsAllocated, 16);
    d.put_u16(DCM_BitsStored, 16);
    d.put_u16(DCM_HighBit, 15);
    d.put_u16(DCM_PixelRepresentation, 0);
    d.put(DCM_WindowCenter, decimal_string(centre));
    d.put(DCM_WindowWidth, decimal_string(width));
    if (mr) {
      d.put(DCM_ScanningSequence, "RM");  // research mode: a reconstruction, not a sequence
      d.put(DCM_SequenceVariant, "NONE");
      d.put(DCM_ScanOptions, "");
      d.put(DCM_MRAcquisitionType, "2D");
      d.put(DCM_RepetitionTime, "");
      d.put(DCM_EchoTime, "");
      d.put(DCM_EchoTrainLength, "");
      d.put(DCM_SpacingBetweenSlices, decimal_string(g.spacing[2]));
      if (study_.magnetic_field_strength_t > 0)
        d.put(DCM_MagneticFieldStrength, decimal_string(study_.magnetic_field_strength_t));
    } else {
      d.put(DCM_RescaleIntercept, decimal_string(kCtRescaleIntercept));
      d.put(DCM_RescaleSlope, "1");
      d.put(DCM_RescaleType, "HU");
      d.put(DCM_KVP, "");
      d.put(DCM_AcquisitionNumber, "");
    }
    const int32_t* slice = stored[k].data_ptr<int32_t>();
    std::transform(slice, slice + rows * columns, pixels.begin(), [](int32_t v) { return static_cast<Uint16>(v); });
    const auto put_pixels = dataset.putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));
    if (put_pixels.bad()) throw DicomError("cannot set the pixel data of '" + (folder / name).string() + "': " + put_pixels.text());
    const auto saved = format.saveFile(file.c_str(), EXS_LittleEndianExplicit);
    if (saved.bad()) throw DicomError("cannot write '" + (folder / name).string() + "': " + saved.text());
    // DCMTK reports success for a file cut short by a full disk or a size limit: read it back.
    DcmFileFormat written_back;
    if (written_back.loadFile(file.c_str()).bad())
      throw DicomError("cannot write '" + (folder / name).string() + "': it reads back incomplete (disk full?)");
    written.file_names.push_back(name);
  }
  output.commit();
  written.folder = folder;
  return written;
}

}  // namespace diffrecon
