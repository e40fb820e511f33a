#!/usr/bin/env bash
# `diffrecon demo` end to end, shortened (10 iterations instead of 30/100, 2 posterior samples of a
# 5-step DDS instead of 4 of the fast preset): the ISMRMRD file it simulates reads back, the DICOM
# study (posterior mean and std series) validates (dciodvfy inside the demo and here), the report
# holds the PSNRs in the expected order (zero-filled < L1-wavelet), the diffusion column with its prior,
# checksum and NFE, and a second run refuses to replace the folder without --force.
# Usage: demo_test.sh path/to/diffrecon
set -euo pipefail
diffrecon="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$diffrecon" demo --out demo --iters 10 --samples 2 --param steps=5 --threads 2 > log.txt 2> progress.txt || fail "demo: $(cat log.txt progress.txt)"
cat log.txt
grep -q "dciodvfy: 0 errors" log.txt || fail "no dciodvfy line"
grep -q "diffusion: dds (fast), 2 samples, prior mri-brain-complex, NFE 5 per sample" log.txt || fail "no diffusion line"
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
assert r["modality"] == "MR" and len(r["series"]) == 2, r["series"]  # posterior mean and std
assert all(s["instances"] == 1 for s in r["series"]), r["series"]
assert r["preview"]["panels"][-1].startswith("diffusion"), r["preview"]
assert 10 < m["psnr_db diffusion"] < 60, m
assert r["nfe_per_chain"] == 5 and len(r["prior"]["sha256"]) == 64 and r["method"].startswith("dds"), r
print("report: zero-filled %.2f dB < L1-wavelet %.2f dB" % (zero, l1))
PY
status=0; "$diffrecon" demo --out demo --iters 1 > log.txt 2>&1 || status=$?
[ "$status" = 2 ] && grep -q "already exists (use --force" log.txt || fail "rerun without --force: $status $(cat log.txt)"
echo "demo checks passed"
