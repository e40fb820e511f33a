#include "core/version.h"

#include <torch/cuda.h>
#include <torch/version.h>

namespace diffrecon {

std::string diffrecon_version() { return DIFFRECON_VERSION; }

std::string torch_version() { return TORCH_VERSION; }

bool torch_has_cuda() { return torch::cuda::is_available(); }

}  // namespace diffrecon
