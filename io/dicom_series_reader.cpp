#include "io/dicom_series_reader.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

struct Slice {
  fs::path file;
  std::unique_ptr<DcmFileFormat> format;
  std::string series_uid;
  int64_t rows = 0, columns = 0;
  std::array<double, 6> orientation{};
  std::array<double, 3> position{};
  std::array<double, 2> pixel_spacing{};  // between rows, between columns
  double distance = 0;                    // position along the normal
};

std::string quoted(const fs::path& file) { return "'" + file.string() + "'"; }

std::string text(DcmDataset& dataset, const DcmTagKey& tag) {
  OFString value;
  if (dataset.findAndGetOFStringArray(tag, value).bad()) return "";
  return value.c_str();
}

template <size_t N>
std::array<double, N> numbers(DcmDataset& dataset, const DcmTagKey& tag, const fs::path& file, const char* what) {
  std::array<double, N> values{};
  for (size_t i = 0; i < N; ++i) {
    Float64 value = 0;
    if (dataset.findAndGetFloat64(tag, value, static_cast<unsigned long>(i)).bad())
      throw DicomError("DICOM file " + quoted(file) + " has no " + what + " (" + tag.toString().c_str() + ", " +
                       std::to_string(N) + " values expected)");
    values[i] = value;
  }
  return values;
}

Uint16 number16(DcmDataset& dataset, const DcmTagKey& tag, const fs::path& file, const char* what) {
  Uint16 value = 0;
  if (dataset.findAndGetUint16(tag, value).bad())
    throw DicomError("DICOM file " + quoted(file) + " has no " + what + " (" + tag.toString().c_str() + ")");
  return value;
}

bool close(double a, double b, double tolerance) { return std::abs(a - b) <= tolerance; }

// DCMTK's decoders for what PACS send compressed: JPEG baseline, extended and lossless (dcmjpeg),
// JPEG-LS (dcmjpls) and RLE (dcmdata). DCMTK keeps codecs in a process-wide registry, so they are
// registered once, on first use. Big endian and deflate need no codec: DCMTK reads them as such.
void register_decoders() {
  static std::once_flag once;
  std::call_once(once, [] {
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
}

// Decodes an encapsulated (compressed) pixel data element in place, or refuses naming the transfer
// syntax: JPEG 2000 has no DCMTK decoder in Debian's build (dcmtk 3.6.7 has none at all).
void decompress(DcmDataset& dataset, const DcmXfer& transfer, const fs::path& file) {
  register_decoders();
  if (dataset.chooseRepresentation(EXS_LittleEndianExplicit, nullptr).bad() ||
      !dataset.canWriteXfer(EXS_LittleEndianExplicit))
    throw DicomError("DICOM file " + quoted(file) + " is compressed with " + transfer.getXferName() + " (" +
                     transfer.getXferID() + "), which cannot be decoded here; expected an uncompressed, JPEG, "
                     "JPEG-LS or RLE transfer syntax");
}

Slice open_slice(const fs::path& file) {
  Slice slice;
  slice.file = file;
  slice.format = std::make_unique<DcmFileFormat>();
  const auto loaded = slice.format->loadFile(file.c_str());
  if (loaded.bad()) throw DicomError("cannot read " + quoted(file) + " as DICOM: " + loaded.text());
  auto& dataset = *slice.format->getDataset();
  if (!dataset.tagExists(DCM_PixelData))
    throw DicomError("DICOM file " + quoted(file) + " has no pixel data (expected an image slice)");
  const DcmXfer transfer(dataset.getOriginalXfer());
  if (transfer.isEncapsulated()) decompress(dataset, transfer, file);
  slice.series_uid = text(dataset, DCM_SeriesInstanceUID);
  slice.rows = number16(dataset, DCM_Rows, file, "Rows");
  slice.columns = number16(dataset, DCM_Columns, file, "Columns");
  slice.orientation = numbers<6>(dataset, DCM_ImageOrientationPatient, file, "Image Orientation (Patient)");
  slice.position = numbers<3>(dataset, DCM_ImagePositionPatient, file, "Image Position (Patient)");
  slice.pixel_spacing = numbers<2>(dataset, DCM_PixelSpacing, file, "Pixel Spacing");
  if (number16(dataset, DCM_SamplesPerPixel, file, "Samples per Pixel") != 1)
    throw DicomError("DICOM file " + quoted(file) + " is not greyscale (Samples per Pixel must be 1)");
  return slice;
}

torch::Tensor pixels_of(Slice& slice) {
  auto& dataset = *slice.format->getDataset();
  const auto bits = number16(dataset, DCM_BitsAllocated, slice.file, "Bits Allocated");
  const bool is_signed = number16(dataset, DCM_PixelRepresentation, slice.file, "Pixel Representation") == 1;
  const auto count = static_cast<unsigned long>(slice.rows * slice.columns);
  torch::Tensor values;
  if (bits == 16) {
    const Uint16* data = nullptr;
    unsigned long length = 0;
    if (dataset.findAndGetUint16Array(DCM_PixelData, data, &length).bad() || length < count)
      throw DicomError("DICOM file " + quoted(slice.file) + " has " + std::to_string(length) + " pixels, expected " +
                       std::to_string(count) + " (Rows x Columns)");
    auto raw = torch::from_blob(const_cast<Uint16*>(data), {slice.rows, slice.columns}, torch::kInt16);
    values = is_signed ? raw.to(torch::kFloat32) : raw.to(torch::kInt32).bitwise_and(0xFFFF).to(torch::kFloat32);
  } else if (bits == 8) {
    const Uint8* data = nullptr;
    unsigned long length = 0;
    if (dataset.findAndGetUint8Array(DCM_PixelData, data, &length).bad() || length < count)
      throw DicomError("DICOM file " + quoted(slice.file) + " has too few pixels for Rows x Columns");
    auto raw = torch::from_blob(const_cast<Uint8*>(data), {slice.rows, slice.columns}, torch::kUInt8);
    values = is_signed ? raw.to(torch::kInt8).to(torch::kFloat32) : raw.to(torch::kFloat32);
  } else {
    throw DicomError("DICOM file " + quoted(slice.file) + " has " + std::to_string(bits) +
                     " bits per pixel; expected 8 or 16");
  }
  // DCMTK's findAndGet* set the value to 0 when the attribute is missing: MR has no Modality LUT.
  Float64 slope = 1, intercept = 0;
  if (dataset.findAndGetFloat64(DCM_RescaleSlope, slope).bad()) slope = 1;
  if (dataset.findAndGetFloat64(DCM_RescaleIntercept, intercept).bad()) intercept = 0;
  return values * slope + intercept;
}

DicomStudy study_of(DcmDataset& d) {
  DicomStudy s;
  s.patient_name = text(d, DCM_PatientName);
  s.patient_id = text(d, DCM_PatientID);
  s.patient_birth_date = text(d, DCM_PatientBirthDate);
  s.patient_sex = text(d, DCM_PatientSex);
  if (auto position = text(d, DCM_PatientPosition); !position.empty()) s.patient_position = position;
  s.study_instance_uid = text(d, DCM_StudyInstanceUID);
  s.study_date = text(d, DCM_StudyDate);
  s.study_time = text(d, DCM_StudyTime);
  s.study_id = text(d, DCM_StudyID);
  s.study_description = text(d, DCM_StudyDescription);
  s.accession_number = text(d, DCM_AccessionNumber);
  s.referring_physician_name = text(d, DCM_ReferringPhysicianName);
  s.institution_name = text(d, DCM_InstitutionName);
  s.manufacturer = text(d, DCM_Manufacturer);
  s.manufacturer_model_name = text(d, DCM_ManufacturerModelName);
  s.station_name = text(d, DCM_StationName);
  s.body_part_examined = text(d, DCM_BodyPartExamined);
  Float64 field = 0;
  if (d.findAndGetFloat64(DCM_MagneticFieldStrength, field).good()) s.magnetic_field_strength_t = field;
  return s;
}

}  // namespace

DicomVolume read_dicom_series(const fs::path& path) {
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (const auto& entry : fs::directory_iterator(path)) {
      const auto name = entry.path().filename().string();
      if (entry.is_regular_file() && !name.empty() && name.front() != '.' && name != "DICOMDIR") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw DicomError("DICOM folder " + quoted(path) + " holds no files (expected one file per slice)");
  } else if (fs::is_regular_file(path)) {
    files.push_back(path);
  } else {
    throw DicomError("DICOM series " + quoted(path) + " does not exist (expected a folder of slices or a file)");
  }

  std::vector<Slice> slices;
  for (const auto& file : files) slices.push_back(open_slice(file));
  const Slice& first = slices.front();
  const std::array<double, 3> row{first.orientation[0], first.orientation[1], first.orientation[2]};
  const std::array<double, 3> column{first.orientation[3], first.orientation[4], first.orientation[5]};
  const std::array<double, 3> normal{row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2],
                                     row[0] * column[1] - row[1] * column[0]};
  for (auto& s : slices) {
    const auto expected = quoted(first.file);
    if (s.series_uid != first.series_uid)
      throw DicomError("DICOM file " + quoted(s.file) + " belongs to series " + s.series_uid + ", not " +
                       first.series_uid + " of " + expected + " (expected one series per folder)");
    if (s.rows != first.rows || s.columns != first.columns)
      throw DicomError("DICOM file " + quoted(s.file) + " is " + std::to_string(s.columns) + " x " + std::to_string(s.rows) +
                       " pixels but " + expected + " is " + std::to_string(first.columns) + " x " +
                       std::to_string(first.rows) + " (expected equal slice sizes)");
    for (int i = 0; i < 6; ++i)
      if (!close(s.orientation[i], first.orientation[i], 1e-4))
        throw DicomError("DICOM file " + quoted(s.file) + " has another Image Orientation (Patient) than " + expected +
                         " (expected parallel slices)");
    for (int i = 0; i < 2; ++i)
      if (!close(s.pixel_spacing[i], first.pixel_spacing[i], 1e-4 * first.pixel_spacing[i]))
        throw DicomError("DICOM file " + quoted(s.file) + " has another Pixel Spacing than " + expected);
    s.distance = s.position[0] * normal[0] + s.position[1] * normal[1] + s.position[2] * normal[2];
  }
  std::stable_sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) { return a.distance < b.distance; });

  VolumeGeometry geometry;
  geometry.spacing = {first.pixel_spacing[1], first.pixel_spacing[0], 1.0};
  Float64 thickness = 0;
  if (first.format->getDataset()->findAndGetFloat64(DCM_SliceThickness, thickness).good() && thickness > 0) {
    geometry.slice_thickness_mm = thickness;
    geometry.spacing[2] = thickness;
  }
  if (slices.size() > 1) {
    const double gap = slices[1].distance - slices[0].distance;
    for (size_t k = 1; k < slices.size(); ++k) {
      const double step = slices[k].distance - slices[k - 1].distance;
      if (step < 1e-3 * std::max(1.0, std::abs(gap)))
        throw DicomError("DICOM files " + quoted(slices[k - 1].file) + " and " + quoted(slices[k].file) +
                         " have the same slice position (expected one file per slice)");
      if (!close(step, gap, 0.01 * gap + 1e-3))
        throw DicomError("DICOM file " + quoted(slices[k].file) + " is " + std::to_string(step) +
                         " mm from the previous slice, the others " + std::to_string(gap) +
                         " mm (expected evenly spaced slices)");
      // In-plane offset from the first slice's line along the normal: a sheared stack.
      double off = 0;
      for (int i = 0; i < 3; ++i) {
        const double d = slices[k].position[i] - slices[0].position[i] - (slices[k].distance - slices[0].distance) * normal[i];
        off += d * d;
      }
      if (std::sqrt(off) > 0.01 * std::max(first.pixel_spacing[0], first.pixel_spacing[1]) + 1e-3)
        throw DicomError("DICOM file " + quoted(slices[k].file) +
                         " is displaced within the image plane from the first slice (expected a stack along the slice normal)");
    }
    geometry.spacing[2] = gap;
  }
  geometry.origin = slices.front().position;
  geometry.direction = {row[0], column[0], normal[0], row[1], column[1], normal[1], row[2], column[2], normal[2]};

  DicomVolume volume;
  std::vector<torch::Tensor> planes;
  for (auto& s : slices) {
    planes.push_back(pixels_of(s));
    volume.files.push_back(s.file);
  }
  volume.data = torch::stack(planes).contiguous();
  volume.geometry = geometry;
  auto& dataset = *first.format->getDataset();
  // Text in another character set (e.g. ISO_IR 100, Latin-1) is converted to UTF-8, what the series
  // written from this study declare; text that claims none must be ASCII (checked below).
  OFString character_set;
  if (dataset.findAndGetOFStringArray(DCM_SpecificCharacterSet, character_set).good() && !character_set.empty() &&
      character_set != "ISO_IR 192") {
    const auto converted = dataset.convertToUTF8();
    if (converted.bad())
      throw DicomError("DICOM file " + quoted(first.file) + ": cannot convert its text from character set '" +
                       character_set.c_str() + "' to UTF-8: " + converted.text());
  }
  volume.study = study_of(dataset);
  try {
    check_study_text(volume.study, "DICOM file " + quoted(first.file));
  } catch (const InputError& error) {
    throw DicomError(error.what());  // the reader's one error type
  }
  volume.modality = text(dataset, DCM_Modality);
  volume.series_instance_uid = first.series_uid;
  volume.series_description = text(dataset, DCM_SeriesDescription);
  volume.sop_class_uid = text(dataset, DCM_SOPClassUID);
  return volume;
}

}  // namespace diffrecon
