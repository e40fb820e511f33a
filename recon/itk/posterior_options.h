// The posterior-sampling parameters of the ITK reconstruction filters, as one value (ITK's set
// macros compare it, so changing any field marks the filter modified). The fields mean what the
// command line's --method/--prior/--preset/--samples/--seed/--batch/--param mean (docs/samplers.md).
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

namespace diffrecon {

struct PosteriorOptions {
  std::string sampler = "dds";  // a registered sampler: dps, mcg, daps, reddiff, diffpir, dds
  std::string prior_card;       // a model card; empty: the shipped prior of the modality
  std::string preset = "fast";  // fast | full
  int64_t samples = 1;          // chains; > 1 gives the standard deviation output
  int64_t chain_batch = 0;      // chains evaluated together (0: all)
  uint64_t seed = 0;
  std::map<std::string, std::string> parameters;  // sampler parameter overrides, e.g. {"steps", "50"}

  bool operator==(const PosteriorOptions& other) const {
    return sampler == other.sampler && prior_card == other.prior_card && preset == other.preset &&
           samples == other.samples && chain_batch == other.chain_batch && seed == other.seed &&
           parameters == other.parameters;
  }
  bool operator!=(const PosteriorOptions& other) const { return !(*this == other); }
};

inline std::ostream& operator<<(std::ostream& out, const PosteriorOptions& options) {
  out << "sampler " << options.sampler << ", prior " << (options.prior_card.empty() ? "(shipped)" : options.prior_card)
      << ", preset " << options.preset << ", samples " << options.samples << ", chain batch " << options.chain_batch
      << ", seed " << options.seed;
  for (const auto& [name, value] : options.parameters) out << ", " << name << "=" << value;
  return out;
}

}  // namespace diffrecon
