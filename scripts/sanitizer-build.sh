# The checking build shared by `scripts/test --sanitize` and `scripts/fuzz` (sourced, not run): clang
# with AddressSanitizer and UndefinedBehaviorSanitizer (halting on the first report), libFuzzer's
# coverage in every library, in its own folder (build-sanitize/). docs/testing.md, "Sanitizers".
checking_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DIFFRECON_BUILD_DIR="${DIFFRECON_BUILD_DIR:-$checking_root/build-sanitize}"
export DIFFRECON_CMAKE_ARGS="-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DDIFFRECON_SANITIZE=ON \
-DDIFFRECON_BUILD_FUZZERS=ON -DDIFFRECON_WITH_TCMALLOC=OFF"
export DIFFRECON_EXTRA_PACKAGES="clang libclang-rt-14-dev"
# Halt on the first report of either sanitizer, with a stack; leaks are checked, except those the
# suppressions file names (static registries of the libraries we link, never ours).
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$checking_root/tests/fuzz/leak_suppressions.txt:print_suppressions=0}"
