// What a reconstruction was, for the provenance every output carries: the DICOM Derivation
// Description / Image Comments / Series Description and the JSON report (DESIGN: outputs record
// software version, prior id and checksum, sampler, its parameters and the seed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace diffrecon {

struct ReconstructionRecord {
  std::string command;  // "mri", "ct", "demo"
  std::string method;   // e.g. "l1-wavelet", "fbp"
  std::vector<std::pair<std::string, std::string>> parameters;  // e.g. {"lambda", "0.01"}
  std::vector<std::string> inputs;                              // files read
  std::string prior_id, prior_sha256;                           // empty without a prior
  std::string prior_card;                                       // the model card's path
  std::optional<uint64_t> seed;
  std::optional<int64_t> nfe;                                   // network (denoiser) evaluations per chain
  std::optional<int64_t> network_image_evaluations;             // images through the network, all chains
  std::optional<double> network_seconds;                        // of the sampling, inside the prior's network
  std::optional<int64_t> decoder_passes;                        // G2D2: VQ decoder evaluations per chain
  std::optional<int64_t> samples;                               // chains
  std::optional<int64_t> batch_size;                            // chains evaluated together (0: all); changes the bits
  std::optional<int64_t> slices;                                // posterior jobs: the slices sampled
  std::optional<int64_t> slice_batch;                           // slices sharing network passes; changes the bits
  int64_t peak_memory_bytes = 0;                                // of this job (see peak_memory_scope)
  std::string peak_memory_scope;                                // "job", or "process" where it cannot be reset
  std::vector<std::pair<std::string, double>> metrics;          // against a reference, e.g. {"psnr_db", 31.2}
  std::vector<std::pair<std::string, double>> timings_s;        // e.g. {"reconstruction", 2.5}

  // "DiffRecon 0.1.0 mri l1-wavelet; lambda 0.01, iters 30; prior none; seed 0; NFE 0"
  std::string derivation() const;
  // "lambda=0.01 iters=30" (the parameters alone)
  std::string parameter_text() const;
};

}  // namespace diffrecon
