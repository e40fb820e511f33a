#include "recon/pipeline/ct_files.h"

#include "core/error.h"
#include "ct/hounsfield.h"
#include "ct/patient_placement.h"
#include "io/cfl.h"
#ifdef DIFFRECON_HAS_DICOM
#include "io/dicom_series_reader.h"
#endif

#include <filesystem>

namespace diffrecon {
namespace {

bool is_cfl(const std::filesystem::path& path) {
  const auto extension = path.extension().string();
  return extension == ".cfl" || extension == ".hdr";
}

bool is_png(const std::filesystem::path& path) { return path.extension().string() == ".png"; }

}  // namespace

torch::Tensor read_ct_array(const std::string& path, const std::string& what, double mu_water) {
  torch::Tensor data;
  if (std::filesystem::is_directory(path)) {
#ifdef DIFFRECON_HAS_DICOM
    DicomVolume volume;
    try {
      volume = read_dicom_series(path);
    } catch (const std::exception& error) {
      throw InputError(what + ": " + error.what());
    }
    if (volume.modality != "CT")
      throw InputError(what + " '" + path + "' is a " + volume.modality + " series; expected CT (Hounsfield units)");
    data = ct::hounsfield_to_attenuation(volume.data, mu_water);
    return volume.data.size(0) == 1 ? data[0].contiguous() : data;
#else
    throw InputError(what + " '" + path + "' is a folder; DICOM input needs a build with DCMTK and ITK");
#endif
  } else if (is_cfl(path)) {
    auto array = read_cfl(path).data;
    for (int64_t d = 3; d < array.dim(); ++d) {
      if (array.size(d) != 1) {
        throw InputError(what + " '" + path + "' has BART dims beyond the first three; expected a 2-D array or a 3-D stack");
      }
    }
    auto stack = array.reshape({array.size(0), array.size(1), array.size(2)}).permute({2, 1, 0}).contiguous();
    if (torch::imag(stack).abs().max().item<float>() != 0.0f) {
      throw InputError(what + " '" + path + "' has a non-zero imaginary part; expected real data");
    }
    data = torch::real(stack).contiguous();
    if (data.size(0) == 1) data = data[0];
  } else {
    if (is_png(path)) throw InputError(what + " '" + path + "': PNG is an output-only preview format");
    data = read_image(path).data;
    if (data.is_complex()) throw InputError(what + " '" + path + "' holds complex pixels; expected real data");
  }
  if (data.dim() != 2 && data.dim() != 3) {
    throw InputError(what + " '" + path + "' is " + std::to_string(data.dim()) + "-D; expected a 2-D array or a 3-D stack");
  }
  if (!torch::isfinite(data).all().item<bool>()) throw InputError(what + " '" + path + "' holds NaN or infinite values");
  return data.to(torch::kFloat32);
}

void write_ct_array(const std::string& path, const torch::Tensor& data, ImageGeometry geometry, Overwrite overwrite,
                    std::optional<ValueWindow> window) {
  const auto values = data.detach().to(torch::kCPU).to(torch::kFloat32).contiguous();
  if (is_cfl(path)) {
    const auto reversed = values.dim() == 3 ? values.permute({2, 1, 0}) : values.t();
    write_cfl(path, torch::complex(reversed, torch::zeros_like(reversed)).contiguous(),
                  {{"Creator", {"diffrecon ct"}}}, overwrite);
  } else if (is_png(path)) {
    auto shown = values;
    std::optional<DisplayWindow> display;
    if (window) {
      shown = ((values - window->low) / (window->high - window->low)).clamp(0.0, 1.0);
      display = DisplayWindow{0.0, 1.0};
    }
    write_png(path, shown.dim() == 3 ? tile_images(shown, std::min<int64_t>(shown.size(0), 8)) : shown, display,
              overwrite);
  } else {
    if (values.dim() == 3) {  // slices along LPS +z, 1 mm apart
      geometry.spacing.push_back(1.0);
      geometry.origin.push_back(0.0);
      const auto d = geometry.direction;
      geometry.direction = {d[0], d[1], 0.0, d[2], d[3], 0.0, 0.0, 0.0, 1.0};
    }
    write_image(path, values, geometry, overwrite);
  }
}

ImageGeometry ct_image_file_geometry(const ct::ImageGrid& grid) {
  const auto placement = ct::patient_placement(grid);
  ImageGeometry geometry;
  geometry.spacing = {placement.spacing[0], placement.spacing[1]};
  geometry.origin = {placement.origin[0], placement.origin[1]};
  geometry.direction = {placement.direction[0], placement.direction[1], placement.direction[3], placement.direction[4]};
  return geometry;
}

ImageGeometry sinogram_file_geometry(const ct::ProjectionGeometry& projection) {
  ImageGeometry geometry = ImageGeometry::identity(2);
  const double spacing = std::visit([](const auto& g) { return g.detector_spacing_mm; }, projection);
  geometry.spacing = {spacing, 1.0};
  return geometry;
}


}  // namespace diffrecon
