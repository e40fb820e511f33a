// The slices of one study reconstructed by different shards of a batch (recon/pipeline/batch_shards.h),
// kept until the merge writes the study folder from them:
//
//   <out's folder>/.<out's name>.parts/slice-0003.cfl/.hdr        the slice's image (BART .cfl)
//                                      slice-0003.std.cfl/.hdr    its posterior std, when there is one
//                                      slice-0003.json            its record, host and seconds
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

struct AssembledStudy {
  Reconstruction result;          // [slices, H, W]; undefined image when a slice is missing
  std::vector<int64_t> missing;   // slices without a part
  std::vector<std::string> hosts; // per slice, where it was reconstructed
};

// The parts of slices 0..slices-1 put together: the images stacked, the record of slice 0 with the
// timings summed over the slices and the largest peak memory. Throws InputError naming a part that
// does not fit the others.
AssembledStudy assemble_study_parts(const std::filesystem::path& study_folder, int64_t slices);

void remove_study_parts(const std::filesystem::path& study_folder);

}  // namespace diffrecon
