#!/usr/bin/env bash
# The layering check itself: clean on the repository, and it fails, naming file and rule, on a
# small tree with an upward, a sideways and a forbidden include.
set -uo pipefail
repo="$1"
fail() { echo "FAILED: $*"; exit 1; }
"$repo/scripts/check-layers.sh" "$repo" || fail "the repository breaks its layer order"

tree="$(mktemp -d)"; trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/cmake" "$tree/core" "$tree/mri" "$tree/ct" "$tree/samplers" "$tree/priors" "$tree/scripts"
cp "$repo/cmake/layers.txt" "$tree/cmake/"
printf '#include "core/a.h"\n' > "$tree/core/b.h"
printf '#include "samplers/sampler.h"\n' > "$tree/core/upward.h"
printf '#include "ct/joseph_projector.h"\n' > "$tree/mri/sideways.cpp"
printf '#include "mri/sense_operator.h"\n' > "$tree/samplers/modality.cpp"
printf '#include "priors/denoiser.h"\n#include "core/a.h"\n' > "$tree/samplers/fine.cpp"
output=$("$repo/scripts/check-layers.sh" "$tree"); status=$?
[ $status -eq 1 ] || fail "exit $status on a tree with violations: $output"
grep -q 'core/upward.h:1: includes "samplers/sampler.h": samplers is above core' <<<"$output" || fail "upward: $output"
grep -q 'mri/sideways.cpp:1: .*ct is beside mri' <<<"$output" || fail "sideways: $output"
grep -q 'samplers/modality.cpp:1: .*samplers never includes mri' <<<"$output" || fail "forbidden: $output"
grep -q 'fine.cpp' <<<"$output" && fail "flagged a downward include: $output"
grep -q '3 include(s)' <<<"$output" || fail "count: $output"
echo "layering checks passed"
