#include "recon/cli/prior_command.h"

#include "recon/cli/command_line.h"

#include <cstdio>
#include <string>

namespace diffrecon::cli {
namespace {

constexpr const char* kPriorUsage = R"(usage: diffrecon prior <train|sample|denoise> [options]   (--help after one for its options)

  train     train the built-in U-Net prior on volumes or images (checkpoints, resumable)
  sample    draw unconditional samples of a prior to a PNG sheet
  denoise   one-step denoising PSNR of a prior on an image at given noise levels
)";

}  // namespace

int run_prior_command(const std::vector<std::string>& arguments) {
  if (arguments.empty()) throw UsageError("prior: no action given\n\n" + std::string(kPriorUsage));
  const auto& action = arguments.front();
  const std::vector<std::string> rest(arguments.begin() + 1, arguments.end());
  if (action == "help" || action == "--help" || action == "-h") {
    std::fputs(kPriorUsage, stdout);
    return 0;
  }
  if (action == "train") return run_prior_train(rest);
  if (action == "sample") return run_prior_sample(rest);
  if (action == "denoise") return run_prior_denoise(rest);
  throw UsageError("prior: unknown action '" + action + "'\n\n" + kPriorUsage);
}

}  // namespace diffrecon::cli
