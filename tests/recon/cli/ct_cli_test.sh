#!/usr/bin/env bash
# `diffrecon ct` end to end: phantom -> exact and Joseph sinograms (NIfTI and BART .cfl) -> every
# method -> outputs exist; wrong sinogram shape, unknown method and an existing output are refused
# with a clear message, the right exit status and no output file.
set -uo pipefail
diffrecon="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

cat > parallel.json <<'JSON'
{ "beam": "parallel", "views": 24, "detector": { "count": 70, "spacing_mm": 2.0 },
  "image": { "rows": 48, "columns": 48, "pixel_size_mm": 2.5 } }
JSON
cat > fan.json <<'JSON'
{ "beam": "fan", "views": 40, "scan": "short", "source_to_isocentre_mm": 300, "source_to_detector_mm": 600,
  "detector": { "count": 90, "spacing_mm": 3.0, "shape": "flat" },
  "image": { "rows": 48, "columns": 48, "pixel_size_mm": 2.5 } }
JSON

"$diffrecon" ct phantom --kind random --seed 2 --geometry parallel.json --out truth.nii.gz || fail "phantom"
"$diffrecon" ct project --phantom random --seed 2 --geometry parallel.json --out exact.nii.gz || fail "exact projection"
"$diffrecon" ct project --image truth.nii.gz --geometry parallel.json --out joseph.cfl || fail "Joseph projection"
"$diffrecon" ct project --phantom random --seed 2 --geometry parallel.json --photons 1e4 --noise-seed 5 --out noisy.nii.gz \
  || fail "noisy projection"
[ -f joseph.cfl ] && [ -f joseph.hdr ] || fail "no .cfl/.hdr pair"
grep -q "^70 24 " joseph.hdr || fail "BART dims should be detectors x views: $(cat joseph.hdr)"
"$diffrecon" ct --sinogram exact.nii.gz --geometry parallel.json --method fbp --out fbp.nii.gz || fail "fbp"
for method in sirt cgls tv; do
  "$diffrecon" ct --sinogram exact.nii.gz --geometry parallel.json --method $method --iters 5 --out $method.nii.gz \
    || fail "$method"
done
"$diffrecon" ct --sinogram exact.nii.gz --geometry parallel.json --method fbp --out fbp.nii.gz --force --filter hann \
  || fail "fbp with --force"
"$diffrecon" ct --sinogram joseph.cfl --geometry parallel.json --method tv --lambda 0.2 --iters 5 --hu --out tv_hu.cfl \
  || fail "tv from cfl to cfl in HU"
# Photon statistics: --photons weights the rays (PWLS), which changes the TV result; fbp has no data term.
"$diffrecon" ct --sinogram noisy.nii.gz --geometry parallel.json --method tv --iters 5 --out tv_plain.cfl || fail "tv"
"$diffrecon" ct --sinogram noisy.nii.gz --geometry parallel.json --method tv --iters 5 --photons 1e4 --out tv_weighted.cfl \
  || fail "photon-weighted tv"
! cmp -s tv_plain.cfl tv_weighted.cfl || fail "--photons did not change the tv reconstruction"
message=$("$diffrecon" ct --sinogram noisy.nii.gz --geometry parallel.json --method fbp --photons 1e4 --out f.cfl 2>&1)
[ $? -eq 2 ] && grep -q -- "--photons" <<<"$message" && [ ! -e f.cfl ] || fail "fbp --photons: $message"
"$diffrecon" ct project --phantom shepp-logan --geometry fan.json --out fan.nii.gz || fail "fan projection"
"$diffrecon" ct --sinogram fan.nii.gz --geometry fan.json --method fbp --out fan_fbp.nii.gz || fail "fan fbp"

# Stacks: three phantoms -> three sinograms (.cfl, dims detectors views slices) -> three images.
"$diffrecon" ct phantom --kind random --seed 10 --count 3 --geometry parallel.json --out stack.nii.gz || fail "phantom stack"
"$diffrecon" ct project --image stack.nii.gz --geometry parallel.json --out stack_sino.cfl || fail "stack projection"
grep -q "^70 24 3 " stack_sino.hdr || fail "stack BART dims: $(cat stack_sino.hdr)"
"$diffrecon" ct --sinogram stack_sino.cfl --geometry parallel.json --method cgls --iters 3 --out stack_cgls.cfl || fail "stack cgls"
grep -q "^48 48 3 " stack_cgls.hdr || fail "stack image dims: $(cat stack_cgls.hdr)"
"$diffrecon" ct --sinogram stack_sino.cfl --geometry parallel.json --method fbp --out stack_fbp.png || fail "stack png"
[ -s stack_fbp.png ] || fail "no stack preview"

# Geometry from options: the same file the JSON above describes, then used.
"$diffrecon" ct geometry --beam fan --views 40 --scan short --source-to-isocentre-mm 300 --source-to-detector-mm 600 \
  --detectors 90 --detector-spacing-mm 3 --image-size 48 --pixel-mm 2.5 --out fan_options.json || fail "ct geometry"
"$diffrecon" ct --sinogram fan.nii.gz --geometry fan.json --method fbp --out a.cfl > /dev/null || fail "fbp with fan.json"
"$diffrecon" ct --sinogram fan.nii.gz --geometry fan_options.json --method fbp --out b.cfl > /dev/null || fail "fbp with fan_options.json"
[ -s a.cfl ] && cmp a.cfl b.cfl || fail "geometry from options differs from the file"
message=$("$diffrecon" ct geometry --beam fan --views 4 --detectors 9 --detector-spacing-mm 1 --image-size 8 --pixel-mm 1 \
  --out g.json 2>&1)
[ $? -eq 2 ] && grep -q "source-to-isocentre-mm" <<<"$message" && [ ! -e g.json ] || fail "incomplete geometry options: $message"

# Wrong shape: exit 1, message names the file, its shape and the expected one; nothing written.
message=$("$diffrecon" ct --sinogram exact.nii.gz --geometry fan.json --method fbp --out wrong.nii.gz 2>&1)
status=$?
[ $status -eq 1 ] || fail "wrong shape should exit 1, got $status"
grep -q "sinogram 'exact.nii.gz' has shape \[24, 70\] but the geometry (fan-beam (flat detector), 40 views x 90 detectors) needs" \
  <<<"$message" || fail "wrong-shape message: $message"
[ ! -e wrong.nii.gz ] || fail "partial output after an error"

# Usage errors: exit 2.
"$diffrecon" ct --sinogram exact.nii.gz --geometry parallel.json --method art --out x.nii.gz 2>/dev/null
[ $? -eq 2 ] || fail "unknown method should exit 2"
message=$("$diffrecon" ct --sinogram exact.nii.gz --geometry parallel.json --method fbp --out fbp.nii.gz 2>&1)
[ $? -eq 2 ] && grep -q "already exists (use --force" <<<"$message" || fail "existing output: $message"
"$diffrecon" ct phantom --kind random --seed 2 --geometry parallel.json --hu --window-hu -100,150 --out hu.png || fail "HU png"
message=$("$diffrecon" ct phantom --kind random --geometry parallel.json --window-hu 150,-100 --out w.png 2>&1)
[ $? -eq 2 ] && grep -q "window-hu expects LOW,HIGH" <<<"$message" && [ ! -e w.png ] || fail "bad window: $message"
message=$("$diffrecon" ct --sinogram exact.nii.gz --geometry parallel.json --method fbp --filter hamming --out y.nii.gz 2>&1)
[ $? -eq 2 ] && grep -q "unknown ramp filter 'hamming'" <<<"$message" || fail "bad filter: $message"
# Anatomical phantoms: a body and an atlas head in HU, projected and reconstructed like any image.
"$diffrecon" ct phantom --kind body --seed 4 --count 2 --geometry parallel.json --hu --out bodies.nii.gz || fail "body phantoms"
"$diffrecon" ct phantom --kind head --seed 4 --geometry parallel.json --out head.nii.gz || fail "head phantom"
"$diffrecon" ct project --image head.nii.gz --geometry parallel.json --out head_sino.nii.gz || fail "head projection"
message=$("$diffrecon" ct phantom --kind head --head-atlas only-one.nii.gz --geometry parallel.json --out h2.nii.gz 2>&1)
[ $? -eq 2 ] && grep -q "head-atlas expects T1,BRAIN" <<<"$message" && [ ! -e h2.nii.gz ] || fail "bad atlas: $message"
message=$("$diffrecon" ct phantom --kind head --head-atlas missing.nii.gz,missing2.nii.gz --geometry parallel.json --out h3.nii.gz 2>&1)
[ $? -ne 0 ] && grep -q "missing.nii.gz" <<<"$message" && [ ! -e h3.nii.gz ] || fail "missing atlas: $message"
message=$("$diffrecon" ct phantom --kind lungs --geometry parallel.json --out h4.nii.gz 2>&1)
[ $? -eq 2 ] && grep -q "expects shepp-logan, random, body or head" <<<"$message" && [ ! -e h4.nii.gz ] || fail "bad kind: $message"
echo '{"beam": "parallel", "view": 3}' > typo.json
message=$("$diffrecon" ct --sinogram exact.nii.gz --geometry typo.json --method fbp --out z.nii.gz 2>&1)
[ $? -eq 1 ] && grep -q "typo.json: unknown key 'view'" <<<"$message" || fail "geometry typo: $message"
echo "ct end-to-end passed"
