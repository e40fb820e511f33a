// Progress of long loops (training, sampling, batches): a bar redrawn in place on a terminal, plain
// lines (at most one every few seconds) when the output is a file or a CI log.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace diffrecon::cli {

// Seconds of wall time since `start`, for the timings the commands print.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total);
  // `done` out of total, with a short status such as "loss 0.031".
  void update(int64_t done, const std::string& status);
  void finish(const std::string& status);

 private:
  std::string label_;
  int64_t total_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_line_;
};

}  // namespace diffrecon::cli
