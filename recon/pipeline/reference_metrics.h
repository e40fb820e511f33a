// How close a reconstruction is to a reference the user gives (`--reference`): PSNR (dB), SSIM and
// NRMSE. MRI compares |image| with the reference magnitude after the least-squares scale of the
// image onto the reference (MR images are in the scanner's arbitrary units); CT compares Hounsfield
// units as they are (both are in physical units).
#pragma once

#include "recon/pipeline/reconstruction_record.h"

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace diffrecon {

// `reference_path`: an image file ITK reads, or a DICOM series folder. InputError naming the file
// when it cannot be read or its size differs from the image's.
enum class ReferenceScale { LeastSquares, AsGiven };

std::vector<std::pair<std::string, double>> reference_metrics(const torch::Tensor& image, const std::string& reference_path,
                                                              ReferenceScale scale = ReferenceScale::LeastSquares);

// The metrics above added to `record`, with the reference among its inputs. Called before any output
// is written, so a reference that cannot be read leaves nothing behind.
void add_reference_metrics(ReconstructionRecord& record, const torch::Tensor& image, const std::string& reference_path,
                           ReferenceScale scale = ReferenceScale::LeastSquares);

}  // namespace diffrecon
