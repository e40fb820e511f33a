#include "recon/pipeline/study_writers.h"

#include "ct/hounsfield.h"
#include "ct/patient_placement.h"
#include "io/ismrmrd_geometry.h"

namespace diffrecon {

StudyOutput write_mri_study(const std::filesystem::path& folder, const MriInput& input, const Reconstruction& result,
                            const StudySettings& settings) {
  StudyOutputRequest request;
  request.folder = folder;
  request.overwrite = settings.overwrite;
  request.modality = DicomModality::MR;
  request.image = result.image.abs();
  if (result.std.defined()) request.uncertainty = result.std;
#ifdef DIFFRECON_HAS_ISMRMRD_READER
  if (input.metadata) request.study = dicom_study_from_ismrmrd(*input.metadata);
  if (input.encoding) {
    request.geometry = volume_geometry_of(*input.encoding, *input.metadata, result.image.size(1), result.image.size(2));
  } else
#endif
  {
    const auto& spacing = input.acquisition.spacing;
    for (size_t a = 0; a < spacing.size() && a < 3; ++a) request.geometry.spacing[a] = spacing[a];
    request.geometry.slice_thickness_mm = request.geometry.spacing[2];
  }
  if (settings.study) request.study = *settings.study;
  request.uid_root = settings.uid_root;
  request.uid_key = settings.uid_key;
  request.record = result.record;
  return write_study_output(request);
}

StudyOutput write_ct_study(const std::filesystem::path& folder, const ct::CtGeometry& geometry,
                           const Reconstruction& result, double mu_water_per_mm, double slice_mm,
                           const StudySettings& settings) {
  StudyOutputRequest request;
  request.folder = folder;
  request.overwrite = settings.overwrite;
  request.modality = DicomModality::CT;
  if (settings.study) request.study = *settings.study;
  request.uid_root = settings.uid_root;
  request.uid_key = settings.uid_key;
  // DICOM holds Hounsfield units, placed by ct::patient_placement like the image files.
  request.image = ct::attenuation_to_hounsfield(result.image, mu_water_per_mm);
  if (result.std.defined()) request.uncertainty = result.std * (1000.0 / mu_water_per_mm);
  const auto placement = ct::patient_placement(geometry.image, slice_mm);
  request.geometry.spacing = placement.spacing;
  request.geometry.origin = placement.origin;
  request.geometry.direction = placement.direction;
  request.geometry.slice_thickness_mm = slice_mm;
  request.record = result.record;
  return write_study_output(request);
}

}  // namespace diffrecon
