// The list of studies `diffrecon batch` reconstructs: a CSV file with a header row
//
//   id,modality,input,out,options
//   brain01,mri,raw/brain01.h5,out/brain01/,--method l1 --lambda 0.005
//   head07,ct,sino/head07.nii.gz,out/head07/,--geometry fan.json --method tv
//
// (fields may be double-quoted; `id` and `options` may be empty) or a JSON array of objects with the
// same keys ("options" a string or a list of strings). Relative paths (input, out, and the values of
// path options such as --geometry) are relative to the manifest's folder.
#pragma once

#include "core/error.h"
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffrecon {

class BatchManifestError : public InputError {
 public:
  using InputError::InputError;
};

struct BatchStudy {
  std::string id;        // defaults to the output folder's name
  std::string modality;  // "mri" or "ct"
  std::filesystem::path input, out;
  std::vector<std::string> options;  // extra command-line options, path values resolved
  std::string where;                 // "manifest.csv line 3", for messages
};

// Throws BatchManifestError naming the file and line (or entry) and what was expected.
std::vector<BatchStudy> read_batch_manifest(const std::filesystem::path& path);


}  // namespace diffrecon
