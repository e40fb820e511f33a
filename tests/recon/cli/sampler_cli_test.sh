#!/usr/bin/env bash
# `diffrecon mri|ct --method dps|mcg|daps|reddiff|diffpir|dds` end to end with the shipped priors, on small images
# and very short schedules: every method writes its mean, the std map (--samples 2) and a JSON report
# with NFE, seconds, peak memory, prior checksum and every parameter; the same seed gives the same
# bytes; a study folder gets the std map as its second DICOM series (dciodvfy: no errors); bad
# parameters, a missing prior and existing outputs are refused with a message and a non-zero exit.
# Usage: sampler_cli_test.sh path/to/diffrecon path/to/models
set -euo pipefail
diffrecon="$1"
models="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
refused() {  # refused PATTERN COMMAND...: a non-zero exit status (1 or 2) and PATTERN in the message
  local pattern="$1"; shift
  local status=0; "$@" > out.txt 2>&1 || status=$?
  [ "$status" != 0 ] && grep -q -- "$pattern" out.txt || fail "expected a failure with '$pattern' from $*: status $status, $(cat out.txt)"
}
mri_prior="$models/mri-brain/model.json"
ct_prior="$models/ct-body/model.json"

# MRI: BART's 8-coil phantom, 48 x 48, a random line mask, BART's ESPIRiT maps.
bart phantom -x 48 -k -s 8 full
"$diffrecon" mri mask --type random --size 48x48 --acceleration 3 --acs 12 --seed 1 --out mask.cfl > /dev/null
bart fmac full mask kspace
bart ecalib -m1 kspace maps > /dev/null
for method in dps mcg reddiff daps diffpir dds; do
  params="steps=4"; [ "$method" = daps ] && params="annealing_steps=3,langevin_steps=2"
  # .cfl k-space carries no noise level: DiffPIR's rho and DDS's soft phase weight need one.
  case "$method" in diffpir) params="steps=4,tau=0.01" ;; dds) params="steps=4,tau=0.01,phase_std=0.01" ;; esac
  "$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method "$method" --prior "$mri_prior" --param "$params" \
    --samples 2 --seed 3 --out "$method.cfl" --threads 2 2> log.txt || fail "mri $method: $(cat log.txt)"
  [ -s "$method.cfl" ] && [ -s "${method}_std.cfl" ] && [ -s "$method.cfl.json" ] || fail "mri $method outputs: $(ls)"
done
python3 - <<'PY' || fail "mri reports"
import json
expected_nfe = {"dps": 4, "mcg": 4, "reddiff": 4, "daps": 3, "diffpir": 4, "dds": 4}  # daps fast: one ODE step per annealing step
for method, nfe in expected_nfe.items():
    r = json.load(open(method + ".cfl.json"))
    assert r["method"] == method and r["nfe_per_chain"] == nfe, (method, r["method"], r["nfe_per_chain"])
    assert r["network_image_evaluations"] == 2 * nfe, r
    assert len(r["prior"]["sha256"]) == 64 and r["prior"]["id"] == "mri-brain-complex", r["prior"]
    p = r["parameters"]
    assert p["seed"] == "3" and p["samples"] == "2" and p["batch_size"] == "2" and p["preset"] == "fast", p
    assert r["seconds"] > 0 and r["peak_memory_mib"] > 10, r
    assert r["outputs"] == [method + ".cfl", method + "_std.cfl"], r["outputs"]
print("mri reports: NFE, prior, parameters, memory recorded")
PY
# Without a noise level and without tau, DDS with the soft phase refuses (its weight is a ratio to the noise variance).
status=0; "$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method dds --prior "$mri_prior" --param steps=2,phase_std=0.01 \
  --out none.cfl --threads 2 > log.txt 2>&1 || status=$?
[ "$status" = 1 ] && grep -q "needs the noise level" log.txt && [ ! -e none.cfl ] || fail "dds without noise: $status $(cat log.txt)"
"$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method daps --prior "$mri_prior" \
  --param annealing_steps=3,langevin_steps=2 --samples 2 --seed 3 --out again.cfl --threads 2 2> /dev/null
cmp -s daps.cfl again.cfl || fail "the same seed gave different bytes"
"$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method daps --prior "$mri_prior" \
  --param annealing_steps=3,langevin_steps=2 --samples 2 --seed 4 --out other.cfl --threads 2 2> /dev/null
! cmp -s daps.cfl other.cfl || fail "another seed gave the same bytes"

refused "needs --prior" "$diffrecon" mri --kspace kspace.cfl --method dps --out x.cfl
refused "has no parameter 'zeta'" "$diffrecon" mri --kspace kspace.cfl --method daps --prior "$mri_prior" --param zeta=1 --out x.cfl
refused "expected name=value" "$diffrecon" mri --kspace kspace.cfl --method dps --prior "$mri_prior" --param zeta --out x.cfl
refused "expected langevin, exact or perturb-and-map-cg" "$diffrecon" mri --kspace kspace.cfl --method daps --prior "$mri_prior" --param inner=sideways --out x.cfl
refused "fast or full" "$diffrecon" mri --kspace kspace.cfl --method dps --prior "$mri_prior" --preset quick --out x.cfl
refused "exists" "$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method dps --prior "$mri_prior" --param steps=2 --out dps.cfl
refused "for real images" "$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method dps --prior "$ct_prior" --param steps=2 --out y.cfl
[ ! -e x.cfl ] && [ ! -e y.cfl ] && [ ! -e y.cfl.json ] || fail "a refused run left an output"

# A volume: three slices (BART's slice dim 13) sampled together and one by one, with one report.
bart flip 2 kspace flipped && bart join 13 kspace flipped kspace volume
for slice_batch in 3 1; do
  "$diffrecon" mri --kspace volume.cfl --sens maps.cfl --method dds --prior "$mri_prior" \
    --param steps=4,tau=0.01,phase_std=0.01 --samples 2 --seed 3 --slice-batch "$slice_batch" --out "volume$slice_batch.cfl" \
    --threads 2 2> "volume$slice_batch.log" || fail "mri volume: $(cat "volume$slice_batch.log")"
done
grep -q "slices 1-3 of 3 sampled together" volume3.log || fail "slices not sampled together: $(cat volume3.log)"
! grep -q "sampled together" volume1.log || fail "--slice-batch 1 sampled slices together: $(cat volume1.log)"
python3 - <<'PY' || fail "mri volume reports"
import array, json
def read(name):  # complex64 samples as a list of complex numbers
    data = array.array("f")
    with open(name, "rb") as f:
        data.frombytes(f.read())
    return [complex(re, im) for re, im in zip(data[0::2], data[1::2])]
def largest(values):
    return max(abs(v) for v in values)
together, alone = read("volume3.cfl"), read("volume1.cfl")
assert len(together) == len(alone) == 3 * 48 * 48, len(together)
n = 48 * 48
slices = [together[k * n:(k + 1) * n] for k in range(3)]
assert largest([a - b for a, b in zip(together, alone)]) <= 1e-3 * largest(alone)
assert largest([a - b for a, b in zip(slices[1], slices[0])]) > 0.1 * largest(slices[0])  # slice 1 is its own problem
assert largest([a - b for a, b in zip(slices[2], slices[0])]) <= 1e-3 * largest(slices[0])  # slice 2 is slice 0 again
for name, batch in (("volume3.cfl.json", 3), ("volume1.cfl.json", 1)):
    r = json.load(open(name))
    assert r["slices"] == 3 and r["slice_batch"] == batch and r["slices_per_minute"] > 0, r
    assert r["network_image_evaluations"] == 3 * 2 * 4, r["network_image_evaluations"]
print("mri volume: slices sampled together and one by one agree, slices per minute reported")
PY
refused "option --slice-batch expects an integer >= 0" "$diffrecon" mri --kspace volume.cfl --sens maps.cfl --method dds --prior "$mri_prior" \
  --slice-batch -2 --param steps=4,tau=0.01 --out z.cfl
[ ! -e z.cfl ] || fail "a refused volume left an output"

# A study folder: the mean and the std map as two DICOM series of one study.
"$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method reddiff --prior "$mri_prior" --param steps=4 --samples 2 \
  --out study/ --threads 2 > /dev/null 2>&1 || fail "mri study folder"
[ "$(ls study/dicom | wc -l)" = 2 ] || fail "expected 2 series: $(ls study/dicom)"
for f in study/dicom/*/*.dcm; do
  dciodvfy "$f" > v.txt 2>&1; ! grep -q '^Error' v.txt || fail "dciodvfy $f: $(cat v.txt)"
done
python3 -c "import json; r = json.load(open('study/report.json')); assert r['nfe_per_chain'] == 4 and r['prior']['sha256'], r" || fail "study report"

# CT: a 48 x 48 phantom, 12 parallel views; every method, the std map in HU, --reference metrics.
cat > parallel.json <<'JSON'
{ "beam": "parallel", "views": 12, "detector": { "count": 70, "spacing_mm": 2.0 },
  "image": { "rows": 48, "columns": 48, "pixel_size_mm": 2.5 } }
JSON
"$diffrecon" ct phantom --kind random --seed 2 --geometry parallel.json --hu --out truth_hu.nii.gz > /dev/null
"$diffrecon" ct project --phantom random --seed 2 --geometry parallel.json --photons 1e5 --noise-seed 1 --out sino.nii.gz > /dev/null
for method in dps mcg reddiff daps diffpir dds; do
  params="steps=4"; [ "$method" = daps ] && params="annealing_steps=3,langevin_steps=2"
  # The same parameters as for MRI (the CT image is real: phase_std has nothing to act on).
  case "$method" in diffpir) params="steps=4,tau=0.01" ;; dds) params="steps=4,tau=0.01,phase_std=0.01" ;; esac
  "$diffrecon" ct --sinogram sino.nii.gz --geometry parallel.json --method "$method" --prior "$ct_prior" --param "$params" \
    --samples 2 --photons 1e5 --hu --reference truth_hu.nii.gz --out "ct_$method.nii.gz" --threads 2 > log.txt 2>&1 \
    || fail "ct $method: $(cat log.txt)"
  [ -s "ct_$method.nii.gz" ] && [ -s "ct_${method}_std.nii.gz" ] && [ -s "ct_$method.nii.gz.json" ] || fail "ct $method outputs"
done
python3 - <<'PY' || fail "ct reports"
import json
for method in ["dps", "mcg", "reddiff", "daps"]:
    r = json.load(open("ct_%s.nii.gz.json" % method))
    assert r["prior"]["id"].startswith("ct"), r["prior"]
    assert float(r["parameters"]["operator_norm"]) > 2, r["parameters"]  # projector rescaled to unit norm
    assert "psnr_db" in r["metrics"] and "ssim" in r["metrics"], r["metrics"]
print("ct reports: metrics against --reference, operator norm recorded")
PY
refused "for complex images" "$diffrecon" ct --sinogram sino.nii.gz --geometry parallel.json --method dps --prior "$mri_prior" --out z.nii.gz
[ ! -e z.nii.gz ] || fail "a refused ct run left an output"
echo "sampler CLI checks passed"
