// Outputs appear whole or not at all. An AtomicOutput hands out a temporary sibling path (a file or
// a directory, e.g. a DICOM series) to write into; commit() renames it into place; if the writer
// throws before commit(), the destructor removes the temporary and the user's files are untouched.
// An existing target is refused unless overwriting was asked for (--force).
#pragma once

#include "core/error.h"

#include <filesystem>
#include <stdexcept>
#include <vector>

namespace diffrecon {

enum class Overwrite { Refuse, Allow };

// An output that cannot be written (a missing folder, a full disk).
class OutputError : public Error {
 public:
  using Error::Error;
};

// An output that exists and was not to be overwritten: the caller's choice of output, so an InputError.
class OutputExistsError : public InputError {
 public:
  using InputError::InputError;
};

// Throws OutputExistsError ("output 'X' already exists") for the first of `paths` that exists,
// unless overwriting is allowed: the one check, and the one message, for every output, made before
// any work. (The CLI adds how to overwrite: --force.)
void refuse_existing_outputs(const std::vector<std::filesystem::path>& paths, Overwrite overwrite);

class AtomicOutput {
 public:
  // Throws OutputExistsError if `target` exists and overwrite is Refuse, OutputError if its folder
  // does not exist.
  AtomicOutput(std::filesystem::path target, Overwrite overwrite);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::filesystem::path& target() const { return target_; }
  // Where to write: in the target's folder (so the final rename is atomic), hidden, ending with the
  // target's file name (so its extension still says the format).
  const std::filesystem::path& temporary_path() const { return temporary_; }
  // Moves the temporary into place (replacing an existing target when allowed).
  void commit();
  bool committed() const { return committed_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  Overwrite overwrite_;
  bool committed_ = false;
};

}  // namespace diffrecon
