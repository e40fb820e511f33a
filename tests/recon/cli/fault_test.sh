#!/usr/bin/env bash
# Faults (issue 18; docs/testing.md, "Faults"):
#  1. a file size limit (ulimit -f, the loop-free stand-in for a full disk): every output format and a
#     study folder fail with exit status 1 and a message naming the output, and nothing is written
#     (ITK's and DCMTK's writers would otherwise leave a truncated file and report success);
#  2. SIGKILL at points spread over a study's reconstruction and writing: the study folder is then either
#     absent or complete (its report and every DICOM file readable), never partial under its final name,
#     and a rerun completes it and clears the temporaries the killed runs left.
# Usage: fault_test.sh path/to/diffrecon
set -euo pipefail
diffrecon="$(realpath "$1")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/in"
cd "$work/in"
log="$work/log.txt"
fail() { echo "FAIL: $*" >&2; exit 1; }
snapshot() { find . -type f -print0 | sort -z | xargs -0 -r sha256sum; find . | sort; }

bart phantom -x 64 -k -s 4 kspace
bart ecalib -m1 kspace maps > /dev/null

# 1. A file size limit of 8 KiB: smaller than any of these outputs.
for out in image.nii image.nii.gz image.mha image.cfl image.png study/; do
  snapshot > "$work/before"
  status=0
  (ulimit -f 8; "$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method zero --out "$out" --threads 1) \
    > "$log" 2>&1 || status=$?
  snapshot > "$work/after"
  [ "$status" = 1 ] || fail "$out over the size limit: status $status: $(cat "$log")"
  grep -q "^diffrecon: error: cannot write" "$log" || fail "$out: no clear message: $(cat "$log")"
  cmp -s "$work/before" "$work/after" || fail "$out over the size limit left files: $(diff "$work/before" "$work/after" | head -5)"
done

# 2. SIGKILL while a three-slice study is reconstructed and written.
bart phantom -x 96 -k -s 8 big && bart ecalib -m1 big bigmaps > /dev/null && bart join 13 big big big volume
study_run=("$diffrecon" mri --kspace volume.cfl --sens bigmaps.cfl --method cg --iters 60 --out study/ --force --threads 1)
run_study() { "${study_run[@]}" > "$log" 2>&1; }
# In the background as itself (not a subshell), so that $! is the process to kill.
start_study() { "${study_run[@]}" > "$log" 2>&1 & pid=$!; }
complete_or_absent() {
  [ -e study ] || return 0
  python3 -c "import json; r = json.load(open('study/report.json')); assert r['size']['slices'] == 3" 2> /dev/null ||
    fail "after a kill at $1 s: study/ is there but its report is not complete: $(ls -R study | head)"
  [ "$(ls study/dicom/*/ | grep -c '\.dcm$')" = 3 ] || fail "after a kill at $1 s: $(ls -R study)"
  for f in study/dicom/*/*.dcm; do dcmdump "$f" > /dev/null 2>&1 || fail "after a kill at $1 s: $f is unreadable"; done
}
start=$(date +%s.%N)
run_study || fail "the first study: $(cat "$log")"
full=$(python3 -c "import time; print(time.time() - $start)")
rm -rf study
for fraction in 0.3 0.6 0.85 0.93 0.97 1.0 1.03; do
  delay=$(python3 -c "print(round($full * $fraction, 3))")
  start_study
  sleep "$delay"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  complete_or_absent "$delay"
done
# Kills while the study is being written: as soon as its temporary folder appears, after 0-60 ms.
interrupted=0
for wait_ms in 0 5 15 30 60; do
  start_study
  while kill -0 "$pid" 2> /dev/null && ! compgen -G '.partial-*-study' > /dev/null; do :; done  # builtins: a fast poll
  sleep "0.0$(printf '%02d' "$wait_ms")"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  complete_or_absent "writing + $wait_ms ms"
  if compgen -G '.partial-*-study' > /dev/null; then interrupted=$((interrupted + 1)); fi
done
[ "$interrupted" -ge 1 ] || fail "no kill landed while the study was written (the test cannot see the write)"
run_study || fail "the rerun: $(cat "$log")"
complete_or_absent "the end"
[ -z "$(ls -a | grep '^\.partial-')" ] || fail "temporaries of killed runs are left: $(ls -a)"
echo "fault checks passed"
