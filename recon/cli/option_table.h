// Options declared once per command, BART-style (src/misc/opts.h: one table per tool): the table
// generates the command's --help, and the CommandLine built from it refuses any option the table
// does not name, while reading an option the table does not declare is a programming error. So the
// help text and what the command accepts cannot drift apart.
#pragma once

#include <string>
#include <vector>

namespace diffrecon::cli {

struct OptionSpec {
  std::string name;   // "--lambda"
  std::string value;  // "X", "FILE", ... ; empty for a flag
  std::string help;   // what it does and its default; "\n" starts an indented continuation line
};

struct OptionGroup {
  std::string title;  // "posterior sampling (--method dps|mcg|daps|reddiff)"
  std::vector<OptionSpec> options;

  std::string help() const;  // the title line and the options, aligned
};

struct CommandSpec {
  std::string name;                   // "mri", "ct phantom"
  std::vector<std::string> synopsis;  // usage lines, each after "diffrecon "
  std::string description;            // paragraphs between the synopsis and the options
  std::vector<OptionGroup> groups;
  std::string epilogue;               // notes after the options (outputs, formats)

  // The --help text: usage lines, description, each group's options aligned, epilogue.
  std::string help() const;
  const OptionSpec* find(const std::string& name) const;
};

// --threads and --device, which every command takes.
const OptionGroup& runtime_option_group();

}  // namespace diffrecon::cli
