#include "recon/pipeline/reconstruction.h"

#include "recon/pipeline/peak_memory.h"

namespace diffrecon {

void close_job_record(ReconstructionRecord& record, const std::string& command, const std::string& method,
                      const std::vector<std::string>& inputs, const PosteriorSettings* posterior,
                      std::chrono::steady_clock::time_point started, const PeakMemoryMeter& memory) {
  record.command = command;
  record.method = method;
  record.inputs = inputs;
  if (posterior) {
    record.samples = posterior->samples;
    record.batch_size = posterior->batch;
  }
  record.timings_s = {{"reconstruction", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
  record.peak_memory_bytes = memory.peak_bytes();
  record.peak_memory_scope = memory.scope();
}

}  // namespace diffrecon
