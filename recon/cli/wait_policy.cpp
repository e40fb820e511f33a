#include "recon/cli/wait_policy.h"

#include <unistd.h>

#include <cstdlib>

namespace diffrecon::cli {

void use_passive_wait_policy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);  // returns only on failure: then run as we are, with spinning workers
}

}  // namespace diffrecon::cli
