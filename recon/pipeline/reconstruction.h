// What every reconstruction job returns: the images in physical units, the posterior standard
// deviation when there is one, and the provenance record that the report and the DICOM series carry.
// The callbacks through which a job talks to its caller (the CLI's progress bar, a batch log, an ITK
// filter's progress events) are here too, so no job prints.
#pragma once

#include "recon/pipeline/posterior_settings.h"
#include "recon/pipeline/reconstruction_record.h"

#include <torch/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace diffrecon {

struct Reconstruction {
  torch::Tensor image;  // [B, H, W] on the CPU: complex64 for MRI, float attenuation (1/mm) for CT
  torch::Tensor std;    // [B, H, W] real, posterior standard deviation; undefined unless samples > 1
  torch::Tensor samples;  // [B, N, H, W], every chain drawn, when the posterior settings keep them
  ReconstructionRecord record;
};

class PeakMemoryMeter;

// What every job records once its images are made: command, method, inputs, the chains and their
// batch size (posterior jobs), the seconds since `started` and the job's peak memory.
void close_job_record(ReconstructionRecord& record, const std::string& command, const std::string& method,
                      const std::vector<std::string>& inputs, const PosteriorSettings* posterior,
                      std::chrono::steady_clock::time_point started, const PeakMemoryMeter& memory);

struct JobObserver {
  std::function<void(const std::string&)> log;  // one line per step taken
  // Sampling progress of one slice, with a label ("mri daps", "slice 2 of 5").
  std::function<void(const std::string& label, const SamplingProgress&)> sampling;
  // An iterative solver's progress: (label, iteration, total, residual).
  std::function<void(const std::string& label, int64_t iteration, int64_t total, double residual)> iteration;
  // Called once per finished slice (1-based) when a job has several.
  std::function<void(int64_t slice, int64_t slices)> slice_done;

  void say(const std::string& line) const {
    if (log) log(line);
  }
};

}  // namespace diffrecon
