#!/usr/bin/env bash
# The bad-input matrix (issue 18; docs/testing.md, "Bad input"): malformed and hostile inputs to every
# reader the CLI has (BART .cfl/.hdr, ISMRMRD, NIfTI, DICOM series, CT geometry JSON, model cards,
# batch manifests, the config file, options). For each case, one run of `diffrecon` must
#   - exit with status 1 (bad data) or 2 (bad usage), not crash (no signal, no uncaught exception),
#   - print one error line "diffrecon: ..." naming the input and what was expected (PATTERN),
#   - write nothing and change nothing: every file of the working folder has the same SHA-256 and the
#     folder lists the same files before and after (no partial output, no temporary left behind).
# Usage: bad_input_matrix_test.sh path/to/diffrecon path/to/models
set -euo pipefail
diffrecon="$(realpath "$1")"
models="$(realpath "$2")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/in" "$work/log"
cd "$work/in"
failures=0
# KEEP_GOING=1 lists every failing case instead of stopping at the first.
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); [ "${KEEP_GOING:-0}" = 1 ] || exit 1; }
snapshot() { find . -type f -print0 | sort -z | xargs -0 -r sha256sum; find . | sort; }
cases=0
# bad NAME PATTERN ARGS...: runs `diffrecon ARGS...` and checks the rules above.
bad() {
  local name="$1" pattern="$2"; shift 2
  snapshot > "$work/log/before"
  local status=0
  "$diffrecon" "$@" > "$work/log/out" 2>&1 || status=$?
  snapshot > "$work/log/after"
  local message; message="$(cat "$work/log/out")"
  [ "$status" = 1 ] || [ "$status" = 2 ] || { fail "$name: exit status $status (expected 1 or 2): $message"; return; }
  [ "$(grep -c "^diffrecon: " "$work/log/out")" = 1 ] || { fail "$name: expected one 'diffrecon: ...' error line: $message"; return; }
  grep -qF -- "$pattern" "$work/log/out" || { fail "$name: expected '$pattern' in: $message"; return; }
  ! grep -qiE "terminate called|what\(\):|Exception raised from|Segmentation|core dumped" "$work/log/out" ||
    { fail "$name: an uncaught exception or crash: $message"; return; }
  cmp -s "$work/log/before" "$work/log/after" ||
    { fail "$name: the working folder changed: $(diff "$work/log/before" "$work/log/after" | head -5)"; return; }
  cases=$((cases + 1))
}
# A .cfl/.hdr pair from Python: write_cfl NAME VALUE DIMS..., VALUE a Python expression of the sample
# index i giving each sample's (real) value.
write_cfl() {
  local name="$1" value="$2"; shift 2
  python3 - "$name" "$value" "$@" <<'PY'
import array, math, sys
name, value, dims = sys.argv[1], sys.argv[2], [int(d) for d in sys.argv[3:]]
n = math.prod(dims)
data = array.array("f")
for i in range(n):
    data.extend((float(eval(value, {"i": i, "nan": float("nan"), "inf": float("inf")})), 0.0))
with open(name + ".hdr", "w") as f:
    f.write("# Dimensions\n" + " ".join(str(d) for d in dims + [1] * (16 - len(dims))) + "\n")
with open(name + ".cfl", "wb") as f:
    data.tofile(f)
PY
}
header() { printf '%b' "$2" > "$1.hdr"; }

# Good inputs the bad ones are made from.
bart phantom -x 32 -k -s 4 kspace
bart ecalib -m1 kspace maps > /dev/null
"$diffrecon" mri mask --type random --size 32x32 --acceleration 2 --acs 8 --seed 1 --out mask.cfl > /dev/null
cat > parallel.json <<'JSON'
{ "beam": "parallel", "views": 12, "detector": { "count": 40, "spacing_mm": 2.0 },
  "image": { "rows": 24, "columns": 24, "pixel_size_mm": 2.5 } }
JSON
"$diffrecon" ct project --phantom random --seed 2 --geometry parallel.json --out sino.cfl > /dev/null
ismrmrd_generate_cartesian_shepp_logan -m 32 -c 4 -a 2 -w 8 -C -n 0.01 -o scan.h5 > /dev/null
# A DICOM series of three slices (a BART volume, slice dim 13), and a second series of one slice.
bart join 13 kspace kspace kspace volume
"$diffrecon" mri --kspace volume.cfl --sens maps.cfl --method zero --out series/ --threads 1 > /dev/null 2>&1 ||
  fail "making the DICOM series"
"$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method zero --out other/ --threads 1 > /dev/null 2>&1 ||
  fail "making the second DICOM series"
series="$(ls -d series/dicom/*image*)"
other="$(ls -d other/dicom/*image*)"
[ "$(ls "$series" | wc -l)" = 3 ] || fail "expected 3 instances in $series: $(ls "$series")"
mkdir card
cp "$models/mri-brain/model.json" card/model.json
weights="$(python3 -c "import json; print(json.load(open('card/model.json'))['weights'])")"
cp "$models/mri-brain/$weights" card/

# --- BART .cfl/.hdr k-space -----------------------------------------------------------------------
cp kspace.hdr empty.hdr && : > empty.cfl
bad "zero-length .cfl" "empty.cfl" mri --kspace empty.cfl --sens maps.cfl --method zero --out out.cfl
cp kspace.hdr short.hdr && head -c 1000 kspace.cfl > short.cfl
bad "truncated .cfl" "short.cfl" mri --kspace short.cfl --sens maps.cfl --method zero --out out.cfl
cp kspace.cfl nohdr.cfl
bad "missing .hdr" "nohdr.hdr" mri --kspace nohdr.cfl --sens maps.cfl --method zero --out out.cfl
cp kspace.cfl nodims.cfl && header nodims '# Command\nbart phantom\n'
bad "header without dimensions" "nodims.hdr" mri --kspace nodims.cfl --sens maps.cfl --method zero --out out.cfl
cp kspace.cfl negative.cfl && header negative '# Dimensions\n32 -32 1 4 1 1 1 1 1 1 1 1 1 1 1 1\n'
bad "negative dimension" "negative.hdr" mri --kspace negative.cfl --sens maps.cfl --method zero --out out.cfl
cp kspace.cfl zerocoils.cfl && header zerocoils '# Dimensions\n32 32 1 0 1 1 1 1 1 1 1 1 1 1 1 1\n'
bad "zero coils" "zerocoils.hdr" mri --kspace zerocoils.cfl --sens maps.cfl --method zero --out out.cfl
cp kspace.cfl words.cfl && header words '# Dimensions\n32 thirty-two 1 4 1 1 1 1 1 1 1 1 1 1 1 1\n'
bad "non-numeric dimension" "words.hdr" mri --kspace words.cfl --sens maps.cfl --method zero --out out.cfl
cp kspace.cfl absurd.cfl && header absurd '# Dimensions\n100000 100000 1 64 1 1 1 1 1 1 1 1 1 1 1 1\n'
bad "absurd header size" "absurd.cfl" mri --kspace absurd.cfl --sens maps.cfl --method zero --out out.cfl
cp kspace.cfl overflow.cfl && header overflow '# Dimensions\n4294967296 4294967296 4294967296 1 1 1 1 1 1 1 1 1 1 1 1 1\n'
bad "header size overflowing 64 bits" "overflow.hdr" mri --kspace overflow.cfl --sens maps.cfl --method zero --out out.cfl
write_cfl nan "nan if i == 77 else 1" 32 32 1 4
bad "NaN in k-space" "nan.cfl" mri --kspace nan.cfl --sens maps.cfl --method zero --out out.cfl
write_cfl inf "inf if i == 5 else 1" 32 32 1 4
bad "Inf in k-space" "inf.cfl" mri --kspace inf.cfl --sens maps.cfl --method cg --out out.cfl
write_cfl nanmaps "nan if i == 9 else 0.5" 32 32 1 4
bad "NaN in coil maps" "nanmaps.cfl" mri --kspace kspace.cfl --sens nanmaps.cfl --method cg --out out.cfl
bart extract 3 0 2 maps maps2
bad "coil maps with other coils" "maps2" mri --kspace kspace.cfl --sens maps2.cfl --method cg --out out.cfl
bart resize -c 0 16 1 16 maps maps16
bad "coil maps of another size" "maps16" mri --kspace kspace.cfl --sens maps16.cfl --method cg --out out.cfl
"$diffrecon" mri mask --type random --size 16x16 --acceleration 2 --acs 4 --out mask16.cfl > /dev/null
bad "mask of another shape" "mask16" mri --kspace kspace.cfl --sens maps.cfl --mask mask16.cfl --method cg --out out.cfl
write_cfl nomask 0 32 32
bad "empty mask" "nomask" mri --kspace kspace.cfl --sens maps.cfl --mask nomask.cfl --method cg --out out.cfl
write_cfl noise2 1 2 1 1 2
bad "noise samples of other coils" "noise2" mri --kspace kspace.cfl --sens maps.cfl --noise noise2.cfl --method cg --out out.cfl

# --- ISMRMRD --------------------------------------------------------------------------------------
: > empty.h5
bad "zero-length ISMRMRD file" "empty.h5" mri --kspace empty.h5 --method zero --out out.cfl
head -c 4096 scan.h5 > short.h5
bad "truncated ISMRMRD file" "short.h5" mri --kspace short.h5 --method zero --out out.cfl
echo "not HDF5" > text.h5
bad "a text file as ISMRMRD" "text.h5" mri --kspace text.h5 --method zero --out out.cfl
bad "a slice the file does not have" "slice 7" mri --kspace scan.h5 --slice 7 --method zero --out out.cfl

# --- CT ---------------------------------------------------------------------------------------------
write_cfl nansino "nan if i == 3 else 1" 40 12
bad "NaN in a sinogram" "nansino.cfl" ct --sinogram nansino.cfl --geometry parallel.json --method fbp --out out.nii.gz
write_cfl widesino 1 41 12
bad "sinogram of another shape" "widesino.cfl" ct --sinogram widesino.cfl --geometry parallel.json --method fbp --out out.nii.gz
: > empty.nii.gz
bad "zero-length NIfTI sinogram" "empty.nii.gz" ct --sinogram empty.nii.gz --geometry parallel.json --method fbp --out out.nii.gz
"$diffrecon" ct project --phantom random --seed 2 --geometry parallel.json --out sino.nii > /dev/null
"$diffrecon" ct project --phantom random --seed 2 --geometry parallel.json --out sino.nii.gz > /dev/null
head -c 1000 sino.nii > cut.nii && head -c 1000 sino.nii.gz > cut.nii.gz
bad "truncated NIfTI sinogram" "cut.nii' holds 1000 bytes" ct --sinogram cut.nii --geometry parallel.json --method fbp --out out.nii.gz
bad "truncated gzipped NIfTI sinogram" "cut.nii.gz' is damaged or truncated" ct --sinogram cut.nii.gz --geometry parallel.json \
  --method fbp --out out.nii.gz
sed 's/"pixel_size_mm": 2.5/"pixel_size_mm": -2.5/' parallel.json > negative.json
bad "negative pixel size" "negative.json" ct --sinogram sino.cfl --geometry negative.json --method fbp --out out.nii.gz
sed 's/"views": 12/"views": 0/' parallel.json > noviews.json
bad "zero views" "noviews.json" ct --sinogram sino.cfl --geometry noviews.json --method fbp --out out.nii.gz
sed 's/"rows": 24/"rows": 2000000000/' parallel.json > huge.json
bad "absurd image size" "huge.json" ct --sinogram sino.cfl --geometry huge.json --method fbp --out out.nii.gz
bad "a geometry over the memory limit" "--memory-limit" ct --sinogram sino.cfl --geometry parallel.json --method fbp \
  --memory-limit 0.00001 --out out.nii.gz
bad "an absurd mask size" "--size 200000x200000" mri mask --type random --size 200000x200000 --acceleration 2 --out m.cfl
head -c 60 parallel.json > cut.json
bad "truncated geometry JSON" "cut.json" ct --sinogram sino.cfl --geometry cut.json --method fbp --out out.nii.gz
python3 -c "import json; g = json.load(open('parallel.json')); del g['image']; json.dump(g, open('noimage.json', 'w'))"
bad "geometry without an image grid" "noimage.json" ct --sinogram sino.cfl --geometry noimage.json --method fbp --out out.nii.gz
bad "negative photon count" "--photons" ct --sinogram sino.cfl --geometry parallel.json --method tv --photons -5 --out out.nii.gz

# --- DICOM series (--reference DIR) ----------------------------------------------------------------
mkdir nodicom
bad "an empty DICOM folder" "nodicom" mri --kspace volume.cfl --sens maps.cfl --method zero --reference nodicom --out out.cfl
mkdir truncated && for f in "$series"/*; do head -c 700 "$f" > "truncated/$(basename "$f")"; done
bad "truncated DICOM files" "truncated" mri --kspace volume.cfl --sens maps.cfl --method zero --reference truncated --out out.cfl
mkdir notdicom && echo "hello" > notdicom/a.dcm
bad "a text file in a DICOM folder" "notdicom" mri --kspace volume.cfl --sens maps.cfl --method zero --reference notdicom --out out.cfl
mkdir duplicated && cp "$series"/* duplicated/ && cp "$(ls "$series"/* | head -1)" duplicated/copy.dcm
bad "a duplicated DICOM slice" "duplicated" mri --kspace volume.cfl --sens maps.cfl --method zero --reference duplicated --out out.cfl
mkdir foreign && cp "$series"/* foreign/ && cp "$other"/* foreign/foreign.dcm
bad "a slice of another series" "foreign" mri --kspace volume.cfl --sens maps.cfl --method zero --reference foreign --out out.cfl
mkdir j2k && cp /usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small_jp2klossless.dcm j2k/
bad "a JPEG 2000 DICOM file" "JPEG 2000" mri --kspace kspace.cfl --sens maps.cfl --method zero --reference j2k --out out.cfl
mkdir gap && cp "$series"/* gap/ && rm "$(ls gap/* | sed -n 2p)"
bad "a missing DICOM slice" "gap" mri --kspace volume.cfl --sens maps.cfl --method zero --reference gap --out out.cfl
# Header text the written series could not carry: not the UTF-8 (ISO_IR 192) it declares, and
# longer than the attribute's value representation allows. (Latin-1 declared as ISO_IR 100 is converted:
# tests/io/dicom_series_test.cpp.)
# pydicom writes values as given (dcmodify checks them).
set_text() {  # folder keyword value(Python bytes literal)
  /usr/bin/python3 - "$@" <<'PY'  # Debian's Python, where python3-pydicom is
import glob, sys, pydicom
folder, keyword, value = sys.argv[1], sys.argv[2], eval(sys.argv[3])
for name in glob.glob(folder + "/*.dcm"):
    d = pydicom.dcmread(name)
    d.SpecificCharacterSet = "ISO_IR 192"
    setattr(d, keyword, value)
    d.save_as(name)
PY
}
mkdir latin1 && cp "$series"/* latin1/
set_text latin1 PatientName "b'M\\xfcller^Hans'"
bad "a DICOM patient name that is not the UTF-8 it declares" "Patient's Name is not UTF-8" \
  mri --kspace volume.cfl --sens maps.cfl --method zero --out study/ --patient-from latin1
mkdir longname && cp "$series"/* longname/
set_text longname StudyDescription "'x' * 90"
bad "an overlong DICOM study description" "Study Description has 90 characters" \
  mri --kspace volume.cfl --sens maps.cfl --method zero --out study/ --patient-from longname
python3 - <<'PY'
data = open("scan.h5", "rb").read()
assert data.count(b"ISMRM Synthetic Imaging Lab") >= 1
open("latin1.h5", "wb").write(data.replace(b"ISMRM Synthetic Imaging Lab", b"ISMRM Synth\xe9tic Imaging Lab"[:27]))
PY
bad "an ISMRMRD header that is not UTF-8" "Institution Name is not UTF-8" mri --kspace latin1.h5 --method zero --out out.cfl
bad "a body part that is not a DICOM code string" "--body-part" \
  mri --kspace kspace.cfl --sens maps.cfl --method zero --out study/ --body-part "left knee"

# --- Images -----------------------------------------------------------------------------------------
cp /usr/share/doc/insighttoolkit5-examples/examples/Data/BrainProtonDensitySlice.png whole.png
head -c 3000 whole.png > cut.png
bad "a truncated PNG (libpng would abort inside ITK)" "damaged or truncated PNG" demo --image cut.png --out demo_out
cp cut.png cut.nii
bad "a truncated PNG named .nii" "damaged or truncated PNG" ct project --image cut.nii --geometry parallel.json --out sino2.cfl

# --- DICOM TLS options --------------------------------------------------------------------------------
bad "--tls without the CA" "--tls-ca" mri --kspace kspace.cfl --sens maps.cfl --method zero --out study/ --send A@localhost:104 --tls
bad "a TLS CA file that does not exist" "none.pem" \
  mri --kspace kspace.cfl --sens maps.cfl --method zero --out study/ --send A@localhost:104 --tls --tls-ca none.pem
bad "--tls-ca without --tls" "add --tls" mri --kspace kspace.cfl --sens maps.cfl --method zero --out study/ --send A@localhost:104 --tls-ca x.pem

# --- Model cards ------------------------------------------------------------------------------------
python3 - <<'PY'
import json
card = json.load(open("card/model.json"))
for name, change in (("outside", {"weights": "../card/" + card["weights"]}), ("absolute", {"weights": "/etc/passwd"}),
                     ("checksum", {"sha256": "0" * 64})):
    json.dump(dict(card, **change), open("card/" + name + ".json", "w"))
PY
head -c 100 card/model.json > card/cut.json
prior_run=(mri --kspace kspace.cfl --sens maps.cfl --method daps --param annealing_steps=2 --out out.cfl)
bad "a card naming a file outside its folder" "inside the card's own folder" "${prior_run[@]}" --prior card/outside.json
bad "a card naming an absolute path" "inside the card's own folder" "${prior_run[@]}" --prior card/absolute.json
bad "a card with a wrong SHA-256" "SHA-256" "${prior_run[@]}" --prior card/checksum.json
bad "a truncated card" "card/cut.json" "${prior_run[@]}" --prior card/cut.json
bad "a missing card" "card/none.json" "${prior_run[@]}" --prior card/none.json

# --- Batch manifests and the config file -----------------------------------------------------------
printf 'id,modality,input,out,options\na,mri,kspace.cfl,a/,--method zero\na,mri,kspace.cfl,b/,--method zero\n' > twice.csv
bad "duplicate study ids" "twice.csv" batch twice.csv
printf 'id,modality,input,out,options\na,mri,kspace.cfl,o/,--method zero\nb,mri,kspace.cfl,o/b/,--method zero\n' > nested.csv
bad "nested output folders" "nested.csv" batch nested.csv
printf 'id,modality,input\na,mri,kspace.cfl\n' > columns.csv
bad "a manifest without its columns" "columns.csv" batch columns.csv
printf 'id,modality,input,out,options\n' > none.csv
bad "a manifest without studies" "none.csv" batch none.csv
echo '{"id": "a"}' > object.json
bad "a JSON manifest that is not a list" "object.json" batch object.json
echo '{"uid_root": ' > config.json
bad "a config file that is not JSON" "config.json" mri --kspace kspace.cfl --sens maps.cfl --method zero --out study/ --config config.json
echo '{"colour": "blue"}' > unknown.json
bad "a config file with an unknown key" "colour" mri --kspace kspace.cfl --sens maps.cfl --method zero --out study/ --config unknown.json

# --- Options and outputs ---------------------------------------------------------------------------
"$diffrecon" mri --kspace kspace.cfl --sens maps.cfl --method zero --out mine.cfl --threads 1 2> /dev/null
bad "an existing output without --force" "mine.cfl" mri --kspace kspace.cfl --sens maps.cfl --method zero --out mine.cfl
bad "zero threads" "--threads" mri --kspace kspace.cfl --sens maps.cfl --method zero --out out.cfl --threads 0
bad "a UID root that is not a UID" "--uid-root" mri --kspace kspace.cfl --sens maps.cfl --method zero --out study/ \
  --uid-root "$(printf '1.2.\xff')"
bad "an overlong UID root" "--uid-root" mri --kspace kspace.cfl --sens maps.cfl --method zero --out study/ \
  --uid-root "1.2.$(printf '3%.0s' $(seq 70))"
bad "a missing k-space file" "none.cfl" mri --kspace none.cfl --sens maps.cfl --method zero --out out.cfl
bad "an output format nobody reads" "out.xyz" mri --kspace kspace.cfl --sens maps.cfl --method zero --out out.xyz

[ "$failures" = 0 ] || { echo "$failures failures" >&2; exit 1; }
[ "$cases" -ge 40 ] || fail "only $cases cases"
echo "bad input matrix: $cases cases, each refused with one clear message and nothing written"
