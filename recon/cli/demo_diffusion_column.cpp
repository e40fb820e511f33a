#include "recon/cli/demo_diffusion_column.h"

namespace diffrecon::cli {

const char* const kDiffusionColumnUnavailable =
    "the diffusion posterior sampler is not yet available (samplers/, issue 6): this column stays empty";

std::optional<DiffusionColumn> diffusion_column(const mri::SenseOperator&, const torch::Tensor&, uint64_t,
                                                const std::function<void(int64_t, int64_t)>&) {
  // Hook: sample the posterior here once samplers/ exists (shipped MRI prior, default sampler).
  return std::nullopt;
}

}  // namespace diffrecon::cli
