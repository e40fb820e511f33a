// One slice of an Acquisition made into the SENSE model y = M F S x that every MRI reconstruction
// (classical or posterior) solves, in this order (docs/mri.md):
//   1. the sampling mask (the acquisition's, one given, or the non-zero samples), applied to the data;
//   2. noise pre-whitening of the data and of given coil maps (W y = F (W S) x);
//   3. SVD coil compression of both (Buehrer et al., MRM 2007);
//   4. coil maps: given, ESPIRiT or low-resolution, estimated from the prepared data.
// And the convention the posterior methods share: the first estimate that sets the prior's intensity
// normalisation.
#pragma once

#include "mri/acquisition.h"
#include "mri/coil_sensitivities.h"
#include "mri/sense_operator.h"

#include <functional>
#include <memory>
#include <string>

namespace diffrecon::mri {

enum class CoilMapMethod { Espirit, LowResolution, Given };

struct SenseModelOptions {
  bool whiten = true;              // with the acquisition's noise samples, when it has any
  int64_t virtual_coils = 0;       // compress to this many coils; 0 keeps them all
  CoilMapMethod maps = CoilMapMethod::Espirit;
  torch::Tensor given_maps;        // CoilMapMethod::Given: complex [1 or B, C, H, W] in the acquired coil basis
  std::string given_maps_source = "coil maps";  // how errors name them, e.g. "coil maps 'maps.cfl'"
  torch::Tensor mask;              // [H, W] for every slice instead of the acquisition's; undefined: the acquisition's
  EspiritOptions espirit;          // also sets the low-resolution maps' calibration size
  std::function<void(const std::string&)> log;  // one line per step taken (ESPIRiT size, compression)
};

// A slice with steps 1-3 done: what root-sum-of-squares and the maps are computed from.
struct PreparedSlice {
  torch::Tensor kspace;  // complex64 [C', H, W], zero outside the mask
  torch::Tensor mask;    // float [H, W]
  torch::Tensor maps;    // given maps in the same coil basis [C', H, W]; undefined otherwise
};

struct SenseModel {
  std::shared_ptr<SenseOperator> op;
  torch::Tensor kspace;  // y, complex64 [C', H, W]
  torch::Tensor mask;
};

// Throws InputError naming the mismatch (given maps' or mask's shape against the data, more virtual
// coils than coils). Tensors end up on `device`.
PreparedSlice prepare_slice(const Acquisition& acquisition, int64_t slice, const SenseModelOptions& options,
                            torch::Device device = torch::kCPU);
SenseModel sense_model(const Acquisition& acquisition, int64_t slice, const SenseModelOptions& options,
                       torch::Device device = torch::kCPU);

// The first image estimate of the posterior methods: 10 CG-SENSE iterations (no regularisation). Its
// magnitude percentile sets the prior's intensity normalisation (priors/model_card.h), so the
// command, the demo and the benchmarks must all use this one.
torch::Tensor first_estimate(const SenseModel& model);

}  // namespace diffrecon::mri
