// The error taxonomy every layer throws from (docs/ARCHITECTURE.md, "Errors").
//
//   Error           any DiffRecon failure: catch this one type to catch them all
//   ├─ InputError   the caller's data or options are wrong; the message names the input (a file,
//   │               a parameter, a manifest row) and what was expected. The CLI exits 2 for its
//   │               own options, 1 for data.
//   └─ InternalError a broken invariant inside the library (a shape bug, an impossible state): never
//                   the user's fault, and never reported as if it were.
// Failures of the environment (a full disk, a PACS that refuses) are plain Errors naming the peer.
#pragma once

#include <stdexcept>
#include <string>

namespace diffrecon {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InputError : public Error {
 public:
  using Error::Error;
};

class InternalError : public Error {
 public:
  using Error::Error;
};

}  // namespace diffrecon
