// diffrecon: one command, one subcommand per tool (BART style). The top-level usage is made from
// the command table below, so it lists exactly the commands there are.
#include "core/error.h"
#include "core/version.h"
#include "io/atomic_output.h"
#include "io/library_versions.h"
#include "recon/cli/command_line.h"
#include "recon/cli/ct_command.h"
#include "recon/cli/demo_command.h"
#include "recon/cli/mri_command.h"
#include "recon/cli/prior_command.h"
#include "recon/cli/wait_policy.h"
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
#include "recon/cli/batch_command.h"
#endif

#include <c10/util/Exception.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

namespace {

using Arguments = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Arguments&);
};

int print_versions(const Arguments& arguments) {
  if (!arguments.empty()) throw diffrecon::cli::UsageError("version: unexpected argument '" + arguments.front() + "'");
  std::printf("diffrecon %s\n", diffrecon::diffrecon_version().c_str());
  for (const auto& [library, version] : diffrecon::linked_library_versions())
    std::printf("%s %s\n", library.c_str(), version.c_str());
  const char* policy = std::getenv("OMP_WAIT_POLICY");  // set by use_passive_wait_policy when missing
  std::printf("OMP_WAIT_POLICY %s\n", policy ? policy : "(unset)");
  return 0;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      {"demo", "simulate a multi-coil brain scan, reconstruct it (classical and posterior), write a DICOM\n"
               "study; demo --self-check: operator and solver checks",
       [](const Arguments& a) { return diffrecon::cli::run_demo(a); }},
      {"mri", "multi-coil MRI: zero, rss, cg, l1, tv, posterior samplers; mri mask, mri espirit",
       [](const Arguments& a) { return diffrecon::cli::run_mri(a); }},
      {"ct", "CT: fbp, sirt, cgls, tv, posterior samplers; ct phantom, ct project, ct geometry",
       [](const Arguments& a) { return diffrecon::cli::run_ct(a); }},
#ifdef DIFFRECON_HAS_STUDY_OUTPUT
      {"batch", "reconstruct every study of a CSV/JSON manifest, resumable", [](const Arguments& a) { return diffrecon::cli::run_batch(a); }},
#endif
      {"prior", "train, sample and evaluate diffusion priors (prior train|sample|denoise)", [](const Arguments& a) { return diffrecon::cli::run_prior_command(a); }},
      {"version", "the versions of DiffRecon and the libraries it links", print_versions},
  };
  return table;
}

std::string usage() {
  std::string text = "usage: diffrecon <command> [options]   (diffrecon <command> --help for its options)\ncommands:\n";
  for (const auto& command : commands()) {
    std::string summary = command.summary;
    for (size_t at = summary.find('\n'); at != std::string::npos; at = summary.find('\n', at + 1))
      summary.insert(at + 1, std::string(12, ' '));
    text += "  " + std::string(command.name) + std::string(10 - std::string(command.name).size(), ' ') + summary + "\n";
  }
  text += "\n" + diffrecon::cli::runtime_option_group().help();
  return text;
}

int run(const Arguments& arguments) {
  if (arguments.empty()) throw diffrecon::cli::UsageError("no command given\n\n" + usage());
  const auto& name = arguments.front();
  if (name == "--help" || name == "-h" || name == "help") {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (name == "--version") return print_versions({});
  for (const auto& command : commands())
    if (name == command.name) return command.run({arguments.begin() + 1, arguments.end()});
  throw diffrecon::cli::UsageError("unknown command '" + name + "' (see diffrecon --help)");
}

}  // namespace

// Exit status: 0 done; 2 the command line (an unknown or bad option, an output that exists);
// 1 the data or the environment (an unreadable file, a PACS that refuses); 3 an internal error.
int main(int argc, char** argv) {
  diffrecon::cli::use_passive_wait_policy(argv);
  // Past a file size limit (ulimit -f, a quota) the kernel would kill us with SIGXFSZ, leaving the
  // temporary behind and no message; ignored, the write fails with EFBIG and the writer reports it.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    return run({argv + 1, argv + argc});
  } catch (const diffrecon::cli::UsageError& error) {
    std::fprintf(stderr, "diffrecon: %s\n", error.what());
    return 2;
  } catch (const diffrecon::OutputExistsError& error) {
    std::fprintf(stderr, "diffrecon: %s (use --force to overwrite it)\n", error.what());
    return 2;
  } catch (const diffrecon::InternalError& error) {
    std::fprintf(stderr, "diffrecon: internal error (please report it): %s\n", error.what());
    return 3;
  } catch (const c10::Error& error) {  // LibTorch's what() carries a C++ backtrace; users need the message
    std::fprintf(stderr, "diffrecon: error: %s\n", error.what_without_backtrace());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "diffrecon: error: %s\n", error.what());
    return 1;
  }
}
