#include "mri/sense_model.h"

#include "core/error.h"
#include "mri/classical_reconstruction.h"
#include "mri/coil_preprocessing.h"
#include "mri/sampling_mask.h"

#include <c10/util/StringUtil.h>

#include <cstdio>

namespace diffrecon::mri {
namespace {

void say(const SenseModelOptions& options, const std::string& line) {
  if (options.log) options.log(line);
}

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
  char text[160];
  std::snprintf(text, sizeof text, pattern, a, b, c);
  return text;
}

}  // namespace

PreparedSlice prepare_slice(const Acquisition& acquisition, int64_t slice, const SenseModelOptions& options,
                            torch::Device device) {
  const auto& data = acquisition.kspace;
  if (!data.defined() || data.dim() != 4)
    throw InputError("MRI acquisition: expected k-space [slices, coils, H, W], got " +
                     (data.defined() ? c10::str(data.sizes()) : std::string("none")));
  if (slice < 0 || slice >= data.size(0))
    throw InputError("MRI acquisition: slice " + std::to_string(slice) + " of " + std::to_string(data.size(0)));
  const int64_t coils = data.size(1), height = data.size(2), width = data.size(3);
  if (options.mask.defined() && (options.mask.dim() != 2 || options.mask.size(0) != height || options.mask.size(1) != width))
    throw InputError("sampling mask has shape " + c10::str(options.mask.sizes()) + " but the k-space is " +
                     std::to_string(height) + " x " + std::to_string(width));
  if (options.maps == CoilMapMethod::Given) {
    const auto& maps = options.given_maps;
    if (!maps.defined() || maps.dim() != 4 || maps.sizes().slice(1) != data.sizes().slice(1) ||
        (maps.size(0) != 1 && maps.size(0) != data.size(0)))
      throw InputError(options.given_maps_source + " have [batch, coils, H, W] = " +
                       (maps.defined() ? c10::str(maps.sizes()) : "none") +
                       " but the k-space has " + c10::str(data.sizes()) + " (coils x H x W must match)");
  }
  if (options.virtual_coils < 0 || options.virtual_coils > coils)
    throw InputError("virtual coils: " + std::to_string(options.virtual_coils) + " exceeds the " +
                     std::to_string(coils) + " coils of the data");

  PreparedSlice prepared;
  auto kspace = data[slice].to(device);
  prepared.mask = options.mask.defined() ? options.mask.to(device)
                  : acquisition.mask.defined() ? acquisition.mask[slice].to(device)
                                               : mask_from_kspace(kspace);
  kspace = kspace * prepared.mask;  // samples outside the pattern do not enter the data term
  torch::Tensor maps;
  if (options.maps == CoilMapMethod::Given)
    maps = options.given_maps[options.given_maps.size(0) == 1 ? 0 : slice].to(device);
  if (options.whiten && acquisition.noise.defined()) {
    const auto whitening = whitening_matrix_of(acquisition).to(device);
    kspace = apply_coil_matrix(whitening, kspace).to(torch::kComplexFloat);
    if (maps.defined()) maps = apply_coil_matrix(whitening, maps).to(torch::kComplexFloat);
  }
  if (options.virtual_coils > 0) {
    const auto compression = coil_compression_matrix(kspace, options.virtual_coils);
    say(options, format("coil compression: %.0f -> %.0f virtual coils, %.2f%% of the energy kept", static_cast<double>(coils),
                        static_cast<double>(options.virtual_coils),
                        100 * coil_energy_fractions(kspace)[options.virtual_coils - 1].item<double>()));
    kspace = apply_coil_matrix(compression, kspace).to(torch::kComplexFloat);
    if (maps.defined()) maps = apply_coil_matrix(compression, maps).to(torch::kComplexFloat);
  }
  prepared.kspace = kspace;
  prepared.maps = maps;
  return prepared;
}

SenseModel sense_model(const Acquisition& acquisition, int64_t slice, const SenseModelOptions& options,
                       torch::Device device) {
  auto prepared = prepare_slice(acquisition, slice, options, device);
  auto maps = prepared.maps;
  if (options.maps == CoilMapMethod::LowResolution) {
    LowResolutionOptions low;
    low.calibration_size = options.espirit.calibration_size;
    maps = low_resolution_sensitivities(prepared.kspace, low);
  } else if (options.maps == CoilMapMethod::Espirit) {
    auto espirit_result = espirit(prepared.kspace, options.espirit);
    say(options, format("ESPIRiT: calibration %.0f x %.0f, %.0f kernels", static_cast<double>(espirit_result.calibration.height),
                        static_cast<double>(espirit_result.calibration.width), static_cast<double>(espirit_result.kernels)));
    maps = espirit_result.sensitivities;
  }
  SenseModel model;
  model.op = std::make_shared<SenseOperator>(maps, prepared.mask);
  model.kspace = prepared.kspace;
  model.mask = prepared.mask;
  return model;
}

torch::Tensor first_estimate(const SenseModel& model) {
  ReconstructionOptions first;
  first.iterations = 10;
  return reconstruct(*model.op, model.kspace, first).image;
}

}  // namespace diffrecon::mri
