#include "mri/acquisition.h"

#include "mri/coil_preprocessing.h"

#include <cmath>

namespace diffrecon::mri {

Acquisition without_readout_oversampling(Acquisition acquisition) {
  const int64_t factor = acquisition.readout_oversampling;
  if (factor <= 1) return acquisition;
  const int64_t height = acquisition.kspace.size(2), kept = height / factor;
  acquisition.kspace = remove_readout_oversampling(acquisition.kspace, factor).contiguous();
  if (acquisition.mask.defined())
    acquisition.mask = acquisition.mask.narrow(1, height / 2 - kept / 2, kept).contiguous();
  acquisition.readout_oversampling = 1;
  return acquisition;
}

torch::Tensor whitening_matrix_of(const Acquisition& acquisition) {
  if (!acquisition.noise.defined()) return {};
  return whitening_matrix(noise_covariance(acquisition.noise)) * std::sqrt(acquisition.noise_dwell_ratio);
}

}  // namespace diffrecon::mri
