// Outputs appear whole or not at all. An AtomicOutput hands out a temporary sibling path (a file or
// a directory, e.g. a DICOM series) to write into; commit() renames it into place; if the writer
// throws before commit(), the destructor removes the temporary and the user's files are untouched.
// An existing target is refused unless overwriting was asked for (--force).
#pragma once

#include <filesystem>
#include <stdexcept>

namespace diffrecon {

enum class Overwrite { Refuse, Allow };

class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AtomicOutput {
 public:
  // Throws OutputError if `target` exists and overwrite is Refuse, or if its folder does not exist.
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
