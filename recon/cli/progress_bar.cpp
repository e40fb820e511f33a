#include "recon/cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace diffrecon::cli {
namespace {

std::string format_duration(double seconds) {
  char buffer[32];
  const auto whole = static_cast<long>(seconds);
  std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", whole / 3600, (whole / 60) % 60, whole % 60);
  return buffer;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total)
    : label_(std::move(label)), total_(std::max<int64_t>(total, 1)), terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_line_(start_ - std::chrono::hours(1)) {}

void ProgressBar::update(int64_t done, const std::string& status) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double fraction = std::clamp(static_cast<double>(done) / static_cast<double>(total_), 0.0, 1.0);
  const double remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0;
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::fprintf(stderr, "\r%s [%s%s] %ld/%ld %s elapsed %s, left %s   ", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), static_cast<long>(done), static_cast<long>(total_),
                 status.c_str(), format_duration(elapsed).c_str(), format_duration(remaining).c_str());
    std::fflush(stderr);
  } else if (now - last_line_ > std::chrono::seconds(10) || done >= total_) {
    std::fprintf(stderr, "%s %ld/%ld (%.0f%%) %s elapsed %s, left %s\n", label_.c_str(), static_cast<long>(done),
                 static_cast<long>(total_), 100 * fraction, status.c_str(), format_duration(elapsed).c_str(),
                 format_duration(remaining).c_str());
    last_line_ = now;
  }
}

void ProgressBar::finish(const std::string& status) {
  if (terminal_) std::fprintf(stderr, "\n");
  std::fprintf(stderr, "%s done: %s\n", label_.c_str(), status.c_str());
}

}  // namespace diffrecon::cli
