// The slices of one study reconstructed by different shards of a batch (recon/pipeline/batch_shards.h),
// kept until the merge writes the study folder from them:
//
//   <out's folder>/.<out's name>.parts/slice-0003.cfl/.hdr        the slice's image (BART .cfl)
//                                      slice-0003.std.cfl/.hdr    its posterior std, when there is one
//                                      slice-0003.json            its record, host and seconds
//                                      slice-0003.chain-0005.cfl  one chain of a posterior split by
//                                      slice-0003.chain-0005.json chains, and its record
//
// A part is written whole or not at all (its record last), so a killed shard leaves either a usable
// part or none; rerunning the shard skips the slices whose parts exist.
#pragma once

#include "recon/pipeline/reconstruction.h"

#include <filesystem>
#include <string>
#include <vector>

namespace diffrecon {

std::filesystem::path study_parts_folder(const std::filesystem::path& study_folder);

// `part`: the reconstruction of one slice ([1, H, W] image, std when it has one).
void write_study_part(const std::filesystem::path& study_folder, int64_t slice, const Reconstruction& part,
                      const std::string& host);
bool has_study_part(const std::filesystem::path& study_folder, int64_t slice);

// One chain (`sample`, [H, W] in physical units) of slice `slice`, with the record of its run.
void write_study_chain_part(const std::filesystem::path& study_folder, int64_t slice, int64_t chain,
                            const torch::Tensor& sample, const ReconstructionRecord& record, const std::string& host);
bool has_study_chain_part(const std::filesystem::path& study_folder, int64_t slice, int64_t chain);

struct AssembledStudy {
  Reconstruction result;          // [slices, H, W]; undefined image when a part is missing
  std::vector<int64_t> missing;   // slices with a missing part (or chain part)
  std::vector<std::pair<int64_t, int64_t>> missing_chains;  // (slice, chain), for studies split by chains
  std::vector<std::string> hosts; // per slice, where it was reconstructed
};

// The parts of slices 0..slices-1 put together: the images stacked, the record of slice 0 with the
// timings summed over the slices and the largest peak memory. With `chains` > 0 every slice comes
// from its chain parts: mean and std through samplers/chain_moments.h with the chains in order (the
// bits one process gives at chain batch 1), the record's sample count the total. Throws InputError
// naming a part that does not fit the others.
AssembledStudy assemble_study_parts(const std::filesystem::path& study_folder, int64_t slices, int64_t chains = 0);

void remove_study_parts(const std::filesystem::path& study_folder);

}  // namespace diffrecon
