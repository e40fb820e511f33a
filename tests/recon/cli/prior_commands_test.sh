#!/usr/bin/env bash
# diffrecon prior train -> resume -> sample -> denoise on a tiny configuration, end to end.
# Usage: prior_commands_test.sh DIFFRECON WORK_DIR
set -euo pipefail
diffrecon="$1"
work="$2"
atlas=/usr/share/mricron/templates/ch2better.nii.gz
rm -rf "$work" && mkdir -p "$work"
tiny=(--volumes "$atlas" --complex --patch 16 --width 8 --multipliers 1,2 --batch 4 --checkpoint-every 5 --threads 2)

"$diffrecon" prior train --out "$work/prior" "${tiny[@]}" --steps 10
for file in model.json weights.pt checkpoint.pt loss.csv loss.png; do
  test -s "$work/prior/$file" || { echo "missing $file"; exit 1; }
done
grep -q '"steps": 10' "$work/prior/model.json"
# An existing model folder is never replaced silently.
if "$diffrecon" prior train --out "$work/prior" "${tiny[@]}" --steps 12 2>"$work/refused.txt"; then
  echo "training over an existing folder must be refused"; exit 1
fi
grep -q "exists (use --resume" "$work/refused.txt"
# A probability outside [0, 1] is refused by name.
if "$diffrecon" prior train --out "$work/bad-contrast" "${tiny[@]}" --contrast 1.5 2>"$work/contrast.txt"; then
  echo "--contrast 1.5 must be refused"; exit 1
fi
grep -q -- "--contrast" "$work/contrast.txt"
test ! -e "$work/bad-contrast"
# Resume continues the step count and the loss log, here with another data recipe (a second atlas,
# coarser pixels, synthetic contrasts, lighter noise), which the card's history records.
"$diffrecon" prior train --out "$work/prior" "${tiny[@]/%$atlas/$atlas,/usr/share/mricron/templates/ch2.nii.gz}" \
  --pixel-mm 1,2 --contrast 0.5 --sigma-mean -1.8 --steps 15 --resume
grep -q '"steps": 15' "$work/prior/model.json"
# The card keeps every run that contributed.
grep -q 'steps 0-10: diffrecon prior train' "$work/prior/model.json"
grep -q 'steps 10-15: diffrecon prior train .*ch2.nii.gz.* --pixel-mm 1,2 --contrast 0.5 .* --sigma-mean -1.8' "$work/prior/model.json"
test "$(tail -n +2 "$work/prior/loss.csv" | wc -l)" -eq 15

"$diffrecon" prior sample --prior "$work/prior/model.json" --out "$work/samples.png" --count 4 --size 32 --steps 3
test -s "$work/samples.png"
"$diffrecon" prior denoise --prior "$work/prior/model.json" \
  --image /usr/share/doc/insighttoolkit5-examples/examples/Data/BrainT1Slice.png --sigmas 0.1 > "$work/denoise.txt"
grep -Eq '^\| 0\.100 \| [0-9.]+ \| [0-9.]+ \|' "$work/denoise.txt"
# A tampered weights file is refused by its checksum.
echo tampered >> "$work/prior/weights.pt"
if "$diffrecon" prior sample --prior "$work/prior/model.json" --out "$work/bad.png" 2>"$work/tampered.txt"; then
  echo "tampered weights must be refused"; exit 1
fi
grep -q "SHA-256" "$work/tampered.txt"
test ! -e "$work/bad.png"
echo "prior commands passed"
