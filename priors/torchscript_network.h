// Networks users bring from PyTorch: a TorchScript module (torch.jit.script / trace, saved with
// torch.jit.save) called as module.forward(x, condition) -> tensor, loaded on a device and frozen in
// eval mode. The model card says how to read its output (see prior_file.h).
#pragma once

#include "priors/network_denoisers.h"

#include <filesystem>

namespace diffrecon {

// Throws std::runtime_error naming the file if it is not a loadable TorchScript module.
NetworkFunction load_torchscript_network(const std::filesystem::path& path, torch::Device device);

}  // namespace diffrecon
