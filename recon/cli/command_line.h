// A small, strict command-line reader: options are taken by name, and whatever is left over at the
// end is an error naming it (an unknown option is never silently ignored).
#pragma once

#include "core/error.h"
#include "recon/cli/option_table.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon::cli {

// A usage mistake: the message names the offending argument and what was expected (exit status 2).
class UsageError : public InputError {
 public:
  using InputError::InputError;
};

class CommandLine {
 public:
  CommandLine(std::vector<std::string> arguments) : arguments_(std::move(arguments)) {}
  // With the command's option table: an option the table does not name is refused at once
  // (UsageError naming it), and taking one the table does not declare is an InternalError.
  CommandLine(std::vector<std::string> arguments, const CommandSpec& spec);

  // Removes "--name VALUE" or "--name=VALUE" and returns VALUE; a missing value is an error.
  std::optional<std::string> take_option(const std::string& name);
  std::optional<int> take_int_option(const std::string& name, int minimum);
  // A real number; `minimum` is exclusive when `strictly_greater` (e.g. a positive step size).
  std::optional<double> take_double_option(const std::string& name, double minimum, bool strictly_greater = false);
  // A comma-separated list of integers >= minimum, e.g. "--axes 0,1,2".
  std::optional<std::vector<int64_t>> take_int_list_option(const std::string& name, int64_t minimum);
  // A comma-separated list of numbers > minimum, e.g. "--sigmas 0.05,0.1".
  std::optional<std::vector<double>> take_double_list_option(const std::string& name, double minimum);
  // Removes "--name" and returns whether it was there.
  bool take_flag(const std::string& name);
  // Removes and returns the first argument that does not start with "-".
  std::optional<std::string> take_positional();
  // Throws UsageError for any argument not taken yet.
  void expect_consumed(const std::string& command) const;

 private:
  void check_declared(const std::string& name, bool flag) const;

  std::vector<std::string> arguments_;
  const CommandSpec* spec_ = nullptr;
};

// Runs a command whose options `spec` declares: prints the generated help for "--help", "-h" or
// "help" (first) or a --help anywhere, else hands the parsed command line to `run`.
int run_command(const CommandSpec& spec, const std::vector<std::string>& arguments, int (*run)(CommandLine&));

}  // namespace diffrecon::cli
