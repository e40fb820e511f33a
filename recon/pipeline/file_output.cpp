#include "recon/pipeline/file_output.h"

#include "core/error.h"
#include "io/cfl.h"
#include "io/image_file.h"
#include "mri/bart_layout.h"
#include "recon/pipeline/report.h"

#include <cmath>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::pair<std::string, std::string> stem_and_extension(const fs::path& out) {
  const auto name = out.filename().string();
  if (ends_with(name, ".nii.gz") && name.size() > 7) return {name.substr(0, name.size() - 7), ".nii.gz"};
  return {out.stem().string(), out.extension().string()};
}

}  // namespace

fs::path std_map_path(const fs::path& out) {
  const auto [stem, extension] = stem_and_extension(out);
  return out.parent_path() / (stem + "_std" + extension);
}

fs::path report_path(const fs::path& out) { return out.parent_path() / (out.filename().string() + ".json"); }

std::vector<fs::path> file_output_paths(const fs::path& out, bool with_std) {
  std::vector<fs::path> paths{out};
  if (with_std) paths.push_back(std_map_path(out));
  paths.push_back(report_path(out));
  return paths;
}

void write_mri_image(const fs::path& path, const torch::Tensor& images, const mri::Acquisition& layout,
                     Overwrite overwrite) {
  auto cpu = images.detach().to(torch::kCPU);
  if (cpu.dim() == 2) cpu = cpu.unsqueeze(0);
  const int64_t count = cpu.size(0);
  const auto name = path.string();
  if (ends_with(name, ".cfl")) {
    auto dims = layout.batch_dims;
    if (dims.empty()) {
      dims.assign(16, 1);
      dims[13] = count;  // BART's SLICE dim
    }
    write_cfl(path, mri::image_batch_to_bart(cpu.to(torch::kComplexFloat), dims), {{"Creator", {"diffrecon mri"}}}, overwrite);
    return;
  }
  if (ends_with(name, ".png")) {
    const auto columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(count))));
    write_png(path, count == 1 ? cpu[0].abs() : tile_images(cpu.abs(), columns), std::nullopt, overwrite);
    return;
  }
  if (ends_with(name, ".nii") || ends_with(name, ".nii.gz") || ends_with(name, ".mha") || ends_with(name, ".mhd")) {
    auto geometry = ImageGeometry::identity(count == 1 ? 2 : 3);
    geometry.spacing = layout.spacing;
    geometry.spacing.resize(count == 1 ? 2 : 3, 1.0);
    write_image(path, (count == 1 ? cpu[0] : cpu).abs().to(torch::kFloat32), geometry, overwrite);
    return;
  }
  throw InputError("output " + name + ": unknown format (expected .cfl, .nii, .nii.gz, .mha or .png)");
}

std::vector<std::string> write_mri_files(const fs::path& out, const Reconstruction& reconstruction,
                                         const mri::Acquisition& layout, Overwrite overwrite) {
  std::vector<std::string> written{out.filename().string()};
  write_mri_image(out, reconstruction.image, layout, overwrite);
  if (reconstruction.std.defined()) {
    write_mri_image(std_map_path(out), reconstruction.std.to(torch::kComplexFloat), layout, overwrite);
    written.push_back(std_map_path(out).filename().string());
  }
  write_report(report_path(out), report_json(reconstruction.record, written), overwrite);
  return written;
}

}  // namespace diffrecon
