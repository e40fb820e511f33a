#include "priors/torchscript_network.h"

#include <torch/script.h>

#include <memory>
#include <stdexcept>

namespace diffrecon {

NetworkFunction load_torchscript_network(const std::filesystem::path& path, torch::Device device) {
  auto module = std::make_shared<torch::jit::script::Module>();
  try {
    *module = torch::jit::load(path.string(), device);
  } catch (const c10::Error& error) {
    throw std::runtime_error("cannot load TorchScript module '" + path.string() + "': " + error.what_without_backtrace());
  }
  module->eval();
  for (auto parameter : module->parameters()) parameter.set_requires_grad(false);
  const auto name = path.string();
  return [module, name](const torch::Tensor& x, const torch::Tensor& condition) {
    auto output = module->forward({x, condition});
    if (!output.isTensor())
      throw std::runtime_error("TorchScript module '" + name + "' returned a " + output.tagKind() + ", expected a tensor");
    return output.toTensor();
  };
}

}  // namespace diffrecon
