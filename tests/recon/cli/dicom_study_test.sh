#!/usr/bin/env bash
# Study folders end to end: `diffrecon mri` (ISMRMRD input) and `diffrecon ct` write DICOM series that
# validate with dciodvfy (no errors), carry the ISMRMRD patient/study and geometry, a preview and a
# report; outputs are never overwritten without --force; --patient-from carries an input DICOM's
# patient and study; `diffrecon batch` goes past a failed study, reports it, and resumes.
# Usage: dicom_study_test.sh path/to/diffrecon
set -euo pipefail
diffrecon="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"; }
tag() { dcmdump +P "$2" "$1" | sed -E 's/^[^[]*\[([^]]*)\].*/\1/' | head -1; }

# Every DICOM file of a folder validates: dciodvfy exits 0 and prints no Error line.
validate() {
  local count=0 f
  while IFS= read -r f; do
    dciodvfy "$f" > dciodvfy.txt 2>&1 || fail "dciodvfy exit status for $f: $(cat dciodvfy.txt)"
    ! grep -q '^Error' dciodvfy.txt || fail "dciodvfy errors for $f: $(cat dciodvfy.txt)"
    count=$((count + 1))
  done < <(find "$1" -name '*.dcm' | sort)
  [ "$count" -gt 0 ] || fail "no DICOM files under $1"
  echo "$1: $count files pass dciodvfy"
}

# 1. MRI from ISMRMRD: patient/study from the header, geometry from its FOV.
ismrmrd_generate_cartesian_shepp_logan -m 48 -c 4 -a 2 -w 16 -n 0.05 -o sl.h5 > /dev/null 2>&1
"$diffrecon" mri --kspace sl.h5 --repetition -1 --method cg --iters 10 --out mri_study/ --threads 1 > log.txt 2>&1 ||
  fail "mri study: $(cat log.txt)"
validate mri_study
[ -s mri_study/preview.png ] || fail "no MRI preview"
[ "$(json mri_study/report.json 'd["method"]')" = cg ] || fail "report method"
[ "$(json mri_study/report.json 'd["series"][0]["instances"]')" = 1 ] || fail "report instances"
f=mri_study/dicom/001_image/IM0001.dcm
[ "$(tag $f Modality)" = MR ] || fail "modality $(tag $f Modality)"
[ "$(tag $f ImageType)" = 'DERIVED\SECONDARY\OTHER' ] || fail "image type $(tag $f ImageType)"
# ismrmrd_generate_cartesian_shepp_logan: 300 mm FOV over 48 pixels.
[ "$(tag $f PixelSpacing)" = '6.25\6.25' ] || fail "pixel spacing $(tag $f PixelSpacing)"
dcmdump +L $f > dump.txt  # (not piped into grep -q: pipefail would see dcmdump's SIGPIPE)
grep -q "DiffRecon .* mri cg.*DerivationDescription" dump.txt || fail "no derivation description"
grep -q "stored = round(magnitude x" dump.txt || fail "no MR quantisation note"

# 2. Never overwritten without --force; --force replaces it whole.
status=0; "$diffrecon" mri --kspace sl.h5 --method zero --out mri_study/ > log.txt 2>&1 || status=$?
[ "$status" -ne 0 ] && grep -q "mri_study.*exists.*--force" log.txt || fail "overwrite not refused: $status $(cat log.txt)"
old_uid=$(json mri_study/report.json 'd["study_instance_uid"]')
"$diffrecon" mri --kspace sl.h5 --method zero --out mri_study/ --force --threads 1 > log.txt 2>&1 || fail "--force: $(cat log.txt)"
[ "$(json mri_study/report.json 'd["method"]')" = zero ] || fail "--force did not replace the study"
[ -z "$(find . -maxdepth 1 -name '.partial-*')" ] || fail "temporary folders left: $(ls -a)"
# A DICOM series as the reference: the same reconstruction again matches its own 12-bit series.
"$diffrecon" mri --kspace sl.h5 --method zero --out same/ --reference mri_study/dicom/001_image --threads 1 > log.txt 2>&1 ||
  fail "--reference DICOM: $(cat log.txt)"
same=$(json same/report.json 'd["metrics"]["psnr_db"]')
python3 -c "import sys; sys.exit(0 if float('$same') > 60 else 1)" || fail "MR against its own DICOM series: PSNR $same dB"

# 3. CT: Hounsfield units through the rescale, a 2-slice stack 2.5 mm apart, metrics against a reference.
"$diffrecon" ct geometry --beam parallel --views 60 --detectors 70 --detector-spacing-mm 1 --image-size 48 \
  --pixel-mm 1 --out g.json > /dev/null
"$diffrecon" ct phantom --kind random --seed 4 --count 2 --geometry g.json --hu --out truth.nii.gz > /dev/null
"$diffrecon" ct phantom --kind random --seed 4 --count 2 --geometry g.json --out mu.nii.gz > /dev/null
"$diffrecon" ct project --image mu.nii.gz --geometry g.json --out sino.nii.gz > /dev/null
"$diffrecon" ct --sinogram sino.nii.gz --geometry g.json --method fbp --out ct_study/ --slice-mm 2.5 \
  --reference truth.nii.gz --patient-from mri_study/dicom/001_image --uid-root 1.2.826.0.1.3680043.10.543 \
  > log.txt 2>&1 || fail "ct study: $(cat log.txt)"
validate ct_study
f=ct_study/dicom/001_image/IM0002.dcm
[ "$(tag $f Modality)" = CT ] || fail "CT modality"
[ "$(tag $f RescaleIntercept)" = -1024 ] || fail "rescale intercept $(tag $f RescaleIntercept)"
[ "$(tag $f ImagePositionPatient)" = '-23.5\-23.5\2.5' ] || fail "position of slice 2: $(tag $f ImagePositionPatient)"
[ "$(tag $f StudyInstanceUID)" = "$(tag mri_study/dicom/001_image/IM0001.dcm StudyInstanceUID)" ] ||
  fail "--patient-from did not carry the study"
case "$(tag $f SeriesInstanceUID)" in 1.2.826.0.1.3680043.10.543.*) ;; *) fail "--uid-root not used: $(tag $f SeriesInstanceUID)" ;; esac
psnr=$(json ct_study/report.json 'd["metrics"]["psnr_db"]')
python3 -c "import sys; sys.exit(0 if float('$psnr') > 20 else 1)" || fail "CT PSNR $psnr dB"
echo "ct study: PSNR $psnr dB against the phantom"
# A DICOM CT series as image input (HU -> attenuation): projecting the reconstruction and
# reconstructing again stays close to the phantom; an MR series is refused.
"$diffrecon" ct project --image ct_study/dicom/001_image --geometry g.json --out resino.nii.gz > /dev/null ||
  fail "ct project --image DICOM"
"$diffrecon" ct --sinogram resino.nii.gz --geometry g.json --method fbp --out again/ --reference ct_study/dicom/001_image \
  > log.txt 2>&1 || fail "fbp of the reprojection: $(cat log.txt)"
again=$(json again/report.json 'd["metrics"]["psnr_db"]')
python3 -c "import sys; sys.exit(0 if float('$again') > 25 else 1)" || fail "reprojected DICOM: PSNR $again dB against the first result"
status=0; "$diffrecon" ct project --image mri_study/dicom/001_image --geometry g.json --out x.nii.gz > log.txt 2>&1 || status=$?
[ "$status" = 1 ] && grep -q "is a MR series; expected CT" log.txt || fail "MR series as CT image: $(cat log.txt)"

# 4. Bad input: a clear message, non-zero exit, no output.
status=0; "$diffrecon" ct --sinogram sino.nii.gz --geometry g.json --method fbp --out never/ --patient-from nowhere \
  > log.txt 2>&1 || status=$?
[ "$status" -ne 0 ] && grep -q "nowhere' does not exist" log.txt || fail "--patient-from nowhere: $status $(cat log.txt)"
[ ! -e never ] || fail "a failed run left 'never'"
status=0; "$diffrecon" ct --sinogram sino.nii.gz --geometry g.json --method fbp --out image.nii.gz --send A@b:1 \
  > log.txt 2>&1 || status=$?
[ "$status" = 2 ] && grep -q "apply to a study folder output" log.txt || fail "--send with a file output: $(cat log.txt)"

# 5. Batch: one study fails (missing input), the others are written; a rerun skips the complete ones.
cat > manifest.csv <<CSV
id,modality,input,out,options
brain,mri,sl.h5,batch/brain/,--method cg --iters 5 --repetition -1
broken,mri,missing.h5,batch/broken/,--method cg
head,ct,sino.nii.gz,batch/head/,"--geometry g.json --method fbp"
CSV
mkdir batch
status=0; "$diffrecon" batch manifest.csv --threads 1 > log.txt 2>&1 || status=$?
[ "$status" = 1 ] || fail "batch with a failed study: exit $status: $(cat log.txt)"
grep -q "batch summary: 2 done, 0 skipped (already complete), 1 failed" log.txt || fail "batch summary: $(cat log.txt)"
grep -q "broken .*FAILED .*manifest.csv line 3: .*missing.h5" log.txt || fail "failed study not named: $(cat log.txt)"
validate batch/brain && validate batch/head
[ ! -e batch/broken ] || fail "the failed study left a folder"
cp sl.h5 missing.h5  # the missing input appears: the rerun does only that study
"$diffrecon" batch manifest.csv --threads 1 > log.txt 2>&1 || fail "batch resume: $(cat log.txt)"
grep -q "batch summary: 1 done, 2 skipped (already complete), 0 failed" log.txt || fail "batch resume summary: $(cat log.txt)"
# The same as JSON, with a bad entry: a clear message naming the entry.
echo '[{"modality": "pet", "input": "x", "out": "y/"}]' > manifest.json
status=0; "$diffrecon" batch manifest.json > log.txt 2>&1 || status=$?
[ "$status" = 2 ] && grep -q "manifest.json entry 1: modality 'pet' is not mri or ct" log.txt || fail "bad JSON manifest: $(cat log.txt)"

echo "dicom study checks passed"
