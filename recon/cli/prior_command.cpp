#include "recon/cli/prior_command.h"

#include <cstdio>
#include <string>

namespace diffrecon::cli {

int run_prior_train(CommandLine& line);
int run_prior_sample(CommandLine& line);
int run_prior_denoise(CommandLine& line);

namespace {

constexpr const char* kPriorUsage = R"(usage: diffrecon prior <train|sample|denoise> [options]   (--help after one for its options)

  train     train the built-in U-Net prior on volumes or images (checkpoints, resumable)
  sample    draw unconditional samples of a prior to a PNG sheet
  denoise   one-step denoising PSNR of a prior on an image at given noise levels
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
  if (*action == "sample") return run_prior_sample(line);
  if (*action == "denoise") return run_prior_denoise(line);
  throw UsageError("prior: unknown action '" + *action + "'\n\n" + kPriorUsage);
}

}  // namespace diffrecon::cli
