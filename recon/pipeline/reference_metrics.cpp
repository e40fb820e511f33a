#include "recon/pipeline/reference_metrics.h"

#include "core/error.h"
#include "io/image_file.h"
#include "validation/image_metrics.h"
#ifdef DIFFRECON_HAS_DICOM
#include "io/dicom_series_reader.h"
#endif

#include <c10/util/StringUtil.h>

#include <filesystem>

namespace diffrecon {

namespace {

torch::Tensor read_reference(const std::string& path) {
  try {
    if (std::filesystem::is_directory(path)) {
#ifdef DIFFRECON_HAS_DICOM
      return read_dicom_series(path).data;
#else
      throw InputError("this build has no DICOM support (DIFFRECON_WITH_DCMTK=OFF)");
#endif
    }
    return read_image(path).data;
  } catch (const std::exception& error) {
    throw InputError("reference " + path + ": " + error.what());
  }
}

}  // namespace

std::vector<std::pair<std::string, double>> reference_metrics(const torch::Tensor& image, const std::string& reference_path,
                                                              ReferenceScale scale_kind) {
  const auto reference = read_reference(reference_path);
  auto x = image.detach().to(torch::kCPU).abs().to(torch::kFloat64);
  auto r = reference.abs().to(torch::kFloat64);
  if (r.numel() != x.numel())
    throw InputError("reference " + reference_path + " has shape " + c10::str(reference.sizes()) +
                     " but the reconstruction has " + c10::str(image.sizes()));
  r = r.reshape(x.sizes());
  if (scale_kind == ReferenceScale::AsGiven) {
    x = image.detach().to(torch::kCPU).to(torch::kFloat64);
    r = reference.to(torch::kFloat64).reshape(x.sizes());
    return {{"psnr_db", psnr(x, r)}, {"ssim", ssim(x, r)}, {"nrmse", nrmse(x, r)}};
  }
  const double scale = least_squares_scale(x, r);
  x = x * scale;
  return {{"psnr_db", psnr(x, r)}, {"ssim", ssim(x, r)}, {"nrmse", nrmse(x, r)}, {"scale_to_reference", scale}};
}

void add_reference_metrics(ReconstructionRecord& record, const torch::Tensor& image, const std::string& reference_path,
                           ReferenceScale scale) {
  for (auto& metric : reference_metrics(image, reference_path, scale)) record.metrics.push_back(metric);
  record.inputs.push_back(reference_path);
}

}  // namespace diffrecon
