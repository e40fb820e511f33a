#!/usr/bin/env bash
# `diffrecon demo` end to end (10 iterations instead of 30/100): the ISMRMRD file it simulates reads
# back, the DICOM study validates (dciodvfy inside the demo and here), the report holds the PSNRs in
# the expected order (zero-filled < L1-wavelet), the missing diffusion sampler is said so, and a
# second run refuses to replace the folder without --force. Usage: demo_test.sh path/to/diffrecon
set -euo pipefail
diffrecon="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$diffrecon" demo --out demo --iters 10 --threads 2 > log.txt 2> progress.txt || fail "demo: $(cat log.txt progress.txt)"
cat log.txt
grep -q "dciodvfy: 0 errors" log.txt || fail "no dciodvfy line"
grep -q "diffusion posterior sampler is not yet available" log.txt || fail "the missing sampler is not mentioned"
[ -s demo/brain.h5 ] && [ -s demo/study/preview.png ] && [ -s demo/study/report.json ] || fail "missing outputs: $(find demo)"
ismrmrd_info demo/brain.h5 > /dev/null 2>&1 || fail "ismrmrd_info cannot read demo/brain.h5"
for f in demo/study/dicom/*/*.dcm; do
  dciodvfy "$f" > v.txt 2>&1 || fail "dciodvfy $f: $(cat v.txt)"
  ! grep -q '^Error' v.txt || fail "dciodvfy $f: $(cat v.txt)"
done
python3 - demo/study/report.json <<'PY' || fail "report"
import json, sys
r = json.load(open(sys.argv[1]))
m = r["metrics"]
zero, l1 = m["psnr_db zero-filled"], m["psnr_db L1-wavelet"]
assert 15 < zero < l1 < 60, (zero, l1)
assert r["modality"] == "MR" and r["series"][0]["instances"] == 1, r["series"]
assert r["preview"]["panels"][-1].startswith("diffusion"), r["preview"]
print("report: zero-filled %.2f dB < L1-wavelet %.2f dB" % (zero, l1))
PY
status=0; "$diffrecon" demo --out demo --iters 1 > log.txt 2>&1 || status=$?
[ "$status" = 1 ] && grep -q "already exists (use --force" log.txt || fail "rerun without --force: $status $(cat log.txt)"
echo "demo checks passed"
