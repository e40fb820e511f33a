// diffrecon: one command, one subcommand per tool (BART style).
#include "io/library_versions.h"
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
#include "recon/cli/batch_command.h"
#endif
#include "recon/cli/command_line.h"
#include "recon/cli/ct_command.h"
#include "recon/cli/demo_command.h"
#include "recon/cli/mri_command.h"
#include "recon/cli/prior_command.h"
#include "core/version.h"

#include <c10/util/Exception.h>

#include <cstdio>
#include <exception>
#include <iostream>

namespace {

constexpr const char* kUsage = R"(usage: diffrecon <command> [options]

commands:
  demo        simulate a multi-coil brain scan, reconstruct it, write a DICOM study (demo --help);
              demo --self-check: operator and solver checks
  mri         multi-coil MRI reconstruction (zero, cg, l1, tv), and `mri mask`, `mri espirit` helpers
  batch       reconstruct every study of a CSV/JSON manifest, resumable (batch --help)
  prior       train, sample and evaluate diffusion priors (prior train|sample|denoise)
  ct          CT reconstruction (fbp, sirt, cgls, tv); ct phantom, ct project make test data
              (diffrecon ct --help)
  version     print the versions of DiffRecon and the libraries it links

options every command takes:
  --threads N         LibTorch intra-op threads (default: all cores)
  --device cpu|cuda   where tensors live and computation runs (default: cpu)
  --help              this text
)";

int print_versions() {
  std::printf("diffrecon %s\n", diffrecon::diffrecon_version().c_str());
  for (const auto& [library, version] : diffrecon::linked_library_versions())
    std::printf("%s %s\n", library.c_str(), version.c_str());
  return 0;
}

int run(std::vector<std::string> arguments) {
  using diffrecon::cli::CommandLine;
  using diffrecon::cli::UsageError;
  if (arguments.empty()) throw UsageError("no command given\n\n" + std::string(kUsage));
  const auto command = arguments.front();
  if (command == "mri") return diffrecon::cli::run_mri({arguments.begin() + 1, arguments.end()});
  if (command == "ct") return diffrecon::cli::run_ct({arguments.begin() + 1, arguments.end()});
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
  if (command == "batch") return diffrecon::cli::run_batch({arguments.begin() + 1, arguments.end()});
#endif
  CommandLine line({arguments.begin() + 1, arguments.end()});
  if (command == "--help" || command == "-h" || command == "help" || (command != "prior" && command != "demo" && line.take_flag("--help"))) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "--version" || command == "version") {
    line.expect_consumed("version");
    return print_versions();
  }
  if (command == "demo") return diffrecon::cli::run_demo(line);
  if (command == "prior") return diffrecon::cli::run_prior_command(line);
  throw UsageError("unknown command '" + command + "' (see diffrecon --help)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run({argv + 1, argv + argc});
  } catch (const diffrecon::cli::UsageError& error) {
    std::fprintf(stderr, "diffrecon: %s\n", error.what());
    return 2;
  } catch (const c10::Error& error) {  // LibTorch's what() carries a C++ backtrace; users need the message
    std::fprintf(stderr, "diffrecon: error: %s\n", error.what_without_backtrace());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "diffrecon: error: %s\n", error.what());
    return 1;
  }
}
