// LibTorch's OpenMP workers spin while they wait for work (libgomp's default), which made solvers
// many times slower on a busy 2-core machine (docs/benchmarks.md, "Measurements behind code
// choices"). libgomp reads OMP_WAIT_POLICY once, when it is loaded, before main() runs, so an
// installed `diffrecon` started without the variable sets it and re-executes itself once.
#pragma once

namespace diffrecon::cli {

// Sets OMP_WAIT_POLICY=PASSIVE and re-executes /proc/self/exe with `argv` unless the variable is set
// already (a user's ACTIVE is respected). Returns only when no re-execution happened.
void use_passive_wait_policy(char** argv);

}  // namespace diffrecon::cli
