// A reconstruction written as files rather than a study folder: the image, its standard deviation
// map `<stem>_std<ext>` when there is one, and the report `<file>.json` (recon/pipeline/report.h;
// x.cfl -> x.cfl.json, so x.png and x.cfl of the same run keep their own reports).
// All three are checked before any work (refuse_existing_outputs) and each is written atomically.
#pragma once

#include "io/atomic_output.h"
#include "mri/acquisition.h"
#include "recon/pipeline/reconstruction.h"

#include <filesystem>
#include <string>
#include <vector>

namespace diffrecon {

// `<stem>_std<ext>` (knows .nii.gz) and `<file>.json` for an output file.
std::filesystem::path std_map_path(const std::filesystem::path& out);
std::filesystem::path report_path(const std::filesystem::path& out);

// Every file a reconstruction to `out` writes: the image, the std map when `with_std`, the report.
std::vector<std::filesystem::path> file_output_paths(const std::filesystem::path& out, bool with_std);

// MRI images [B, H, W] (or [H, W]) to `path`: .cfl complex with the acquisition's BART batch dims;
// .nii/.nii.gz/.mha/.mhd the magnitude with its pixel spacing (a volume when B > 1); .png the
// magnitude, tiled when B > 1. InputError naming the path for any other extension.
void write_mri_image(const std::filesystem::path& path, const torch::Tensor& images, const mri::Acquisition& layout,
                     Overwrite overwrite);

// The image, the std map (when the reconstruction has one) and the report; returns the files written.
std::vector<std::string> write_mri_files(const std::filesystem::path& out, const Reconstruction& reconstruction,
                                         const mri::Acquisition& layout, Overwrite overwrite);

}  // namespace diffrecon
