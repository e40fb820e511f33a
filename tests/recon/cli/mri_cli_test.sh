#!/usr/bin/env bash
# `diffrecon mri` end to end against the bart binary: masks and maps interchange through .cfl, our
# CG-SENSE with bart's ESPIRiT maps equals `bart pics -l2`, our ESPIRiT maps feed `bart pics`, and
# bad input is refused with a clear message and exit code. Usage: mri_cli_test.sh path/to/diffrecon
set -euo pipefail
diffrecon="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
# bart nrmse prints the value on its last line.
nrmse() { bart nrmse "$@" | tail -1; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

bart phantom -x 64 -k -s 8 full
"$diffrecon" mri mask --type random --size 64x64 --acceleration 3 --acs 16 --seed 1 --out mask.cfl
bart fmac full mask kspace
bart ecalib -m1 kspace maps > /dev/null

# 1. Same maps, same data: our CG-SENSE equals bart pics -l2 (30 iterations, scaled back with -S).
"$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method cg --iters 30 --out ours.cfl --threads 2
bart pics -S -l2 -r 0 -i 30 kspace maps bart_cg > /dev/null 2>&1
e=$(nrmse bart_cg ours); echo "cg vs bart pics -l2: $e"
below "$e" 1e-3 || fail "CG-SENSE differs from bart pics -l2 (nrmse $e)"

# 2. Our ESPIRiT maps are valid BART input, and close to bart ecalib's in use.
"$diffrecon" mri espirit --kspace kspace.cfl --out our_maps.cfl --eigenvalues eig.cfl
bart pics -S -l2 -r 0 -i 30 kspace our_maps bart_with_our_maps > /dev/null 2>&1
bart cabs bart_cg a1 && bart cabs bart_with_our_maps a2
e=$(nrmse -s a1 a2); echo "bart pics with our maps vs with bart maps (magnitude): $e"
below "$e" 0.25 || fail "our ESPIRiT maps give a different bart pics image (nrmse $e)"

# 3. Every method and output format runs; the mask file is honoured.
for method in zero rss l1 tv; do
  "$diffrecon" mri --kspace kspace.cfl --mask mask.cfl --method "$method" --iters 5 --out "$method.png" --threads 2
  [ -s "$method.png" ] || fail "no $method.png"
done
"$diffrecon" mri --kspace kspace.cfl --method cg --iters 5 --out cg.nii.gz --threads 2
[ -s cg.nii.gz ] || fail "no cg.nii.gz"
# A PNG mask: the one we wrote as .cfl, written as PNG, gives the same reconstruction.
"$diffrecon" mri mask --type random --size 64x64 --acceleration 3 --acs 16 --seed 1 --out mask.png
"$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --mask mask.png --method cg --iters 30 --out png_mask.cfl --threads 2
e=$(nrmse ours png_mask); below "$e" 1e-6 || fail "PNG mask differs from the .cfl mask (nrmse $e)"

# Multi-slice .cfl (SLICE dim 13): every slice reconstructed, the dims kept; one set of maps for all.
bart join 13 kspace kspace two_slices
"$diffrecon" mri --kspace two_slices.cfl --sens maps.cfl --method cg --iters 30 --out two.cfl --threads 2
bart show -m two | grep -q "64	64	1	1	1	1	1	1	1	1	1	1	1	2	1	1" || fail "two.cfl dims: $(bart show -m two)"
bart slice 13 1 two second
e=$(nrmse ours second); below "$e" 1e-6 || fail "slice 2 differs from the single-slice result (nrmse $e)"
"$diffrecon" mri --kspace two_slices.cfl --method zero --out two.png --threads 2
[ -s two.png ] || fail "no tiled two.png"

# Low-resolution maps and pre-whitening from a BART noise array [samples, 1, 1, coils].
bart zeros 4 512 1 1 8 zeros && bart noise -n 1 zeros noise
"$diffrecon" mri --kspace kspace.cfl --lowres-maps --noise noise.cfl --method cg --iters 10 --out lowres.cfl --threads 2 2> log.txt
grep -q "noise pre-whitening from 512 samples per coil" log.txt || fail "whitening: $(cat log.txt)"

# 4. ISMRMRD input (noise scan, calibration lines, oversampling) and coil compression.
ismrmrd_generate_cartesian_shepp_logan -m 64 -c 8 -a 2 -w 16 -C -n 0.01 -o scan.h5 > /dev/null
"$diffrecon" mri --kspace scan.h5 --method cg --iters 20 --coils 6 --out scan.cfl --threads 2 2> log.txt
grep -q "ISMRMRD: 1 slice(s), 8 coils, 40 lines (16 calibration), 1 noise scans, readout oversampling 2" log.txt || fail "ISMRMRD summary: $(cat log.txt)"
grep -q "readout oversampling 2 removed" log.txt && grep -q "noise pre-whitening from 128 samples per coil" log.txt || fail "ISMRMRD steps: $(cat log.txt)"
[ -s scan.cfl.json ] || fail "no report for a classical file output"
python3 -c "import json; r = json.load(open('scan.cfl.json')); assert r['schema'] == 'diffrecon-report/1' and r['method'] == 'cg' and r['seed'] is None, r" || fail "classical report"
grep -q "coil compression: 8 -> 6 virtual coils" log.txt || fail "coil compression: $(cat log.txt)"
bart show -m scan | grep -q "64	64	1	1" || fail "scan.cfl is not a 64 x 64 image"
"$diffrecon" mri --kspace scan.h5 --slice all --method zero --out scan_all.cfl --threads 2 2> log.txt
grep -q "ISMRMRD: 1 slice(s)" log.txt || fail "--slice all: $(cat log.txt)"

# 5. Errors: exit 2 for usage mistakes, 1 for unreadable input; no partial output.
expect() {
  local code="$1" pattern="$2"; shift 2
  set +e; out=$("$diffrecon" "$@" 2>&1); rc=$?; set -e
  [ "$rc" = "$code" ] || fail "'$*' exited $rc, expected $code: $out"
  grep -q -- "$pattern" <<<"$out" || fail "'$*' said '$out', expected '$pattern'"
}
expect 2 "unknown option '--bogus'" mri --kspace kspace.cfl --method cg --out a.cfl --bogus
expect 2 "expects zero, rss, cg, l1, tv or a sampler (dps, mcg, daps, reddiff, diffpir, dds, g2d2)" mri --kspace kspace.cfl --method sense --out a.cfl
expect 2 "exists (use --force" mri --kspace kspace.cfl --method cg --out ours.cfl
expect 1 "missing.hdr" mri --kspace missing.cfl --method cg --out a.cfl
bart phantom -x 32 -S 8 small_maps
expect 1 "coils x H x W must match" mri --kspace kspace.cfl --sens small_maps.cfl --method cg --out a.cfl
expect 2 "give one of --sens, --espirit and --lowres-maps" mri --kspace kspace.cfl --sens maps.cfl --espirit --method cg --out a.cfl
bart zeros 4 16 1 1 4 zeros4 && bart noise -n 1 zeros4 noise4
expect 1 "has 4 coils (BART dim 3)" mri --kspace kspace.cfl --noise noise4.cfl --method cg --out a.cfl
expect 1 "not positive definite" mri --kspace kspace.cfl --noise zeros.cfl --method cg --out a.cfl
expect 2 "give one of --sens, --espirit and --lowres-maps" mri --kspace kspace.cfl --sens maps.cfl --lowres-maps --method cg --out a.cfl
expect 2 "--size expects HxW" mri mask --type random --size 64 --out m2.cfl
expect 2 "apply to ISMRMRD (.h5) input only" mri --kspace kspace.cfl --slice 1 --method cg --out a.cfl
expect 2 "--slice expects an integer >= 0 or 'all'" mri --kspace scan.h5 --slice two --method cg --out a.cfl
expect 1 "no imaging acquisitions for slice 2" mri --kspace scan.h5 --slice 2 --method cg --out a.cfl
[ ! -e a.cfl ] && [ ! -e a.hdr ] || fail "a failed run left an output behind"
echo "mri CLI checks passed"
