#include "recon/cli/prior_command.h"

#include <cstdio>
#include <string>

namespace diffrecon::cli {

int run_prior_train(CommandLine& line);

namespace {

constexpr const char* kPriorUsage = R"(usage: diffrecon prior <train> [options]   (--help after one for its options)

  train     train the built-in U-Net prior on volumes or images
)";

}  // namespace

int run_prior_command(CommandLine& line) {
  const auto action = line.take_positional();
  if (!action || *action == "help") {
    if (!action && !line.take_flag("--help")) throw UsageError("prior: no action given\n\n" + std::string(kPriorUsage));
    std::fputs(kPriorUsage, stdout);
    return 0;
  }
  if (*action == "train") return run_prior_train(line);
  throw UsageError("prior: unknown action '" + *action + "'\n\n" + kPriorUsage);
}

}  // namespace diffrecon::cli
