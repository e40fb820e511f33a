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

# A discrete prior (--vq): the VQ autoencoder first, then the token denoiser; one card, three checked files.
vq=(--vq --volumes "$atlas" --complex --patch 16 --token-patch 16 --vq-widths 8,16 --codebook 16 --code-dim 2
    --width 8 --multipliers 1,2 --token-embedding 4 --batch 4 --checkpoint-every 3 --threads 2)
"$diffrecon" prior train --out "$work/vq" "${vq[@]}" --autoencoder-steps 4 --steps 3
for file in model.json token-denoiser.pt autoencoder.pt codebook.pt checkpoint.pt autoencoder-checkpoint.pt \
            loss.csv loss.png autoencoder-loss.csv autoencoder-loss.png; do
  test -s "$work/vq/$file" || { echo "missing vq/$file"; exit 1; }
done
grep -q '"format": "vq-diffusion"' "$work/vq/model.json"
for role in token-denoiser vq-autoencoder codebook; do grep -q "\"role\": \"$role\"" "$work/vq/model.json"; done
grep -q '"autoencoder_steps": 4' "$work/vq/model.json"
grep -Eq '"autoencoder_hours": [0-9.e-]+[1-9]' "$work/vq/model.json"
test "$(tail -n +2 "$work/vq/autoencoder-loss.csv" | wc -l)" -eq 4
# --resume continues the unfinished stage: here the token denoiser, from step 3 to 5.
"$diffrecon" prior train --out "$work/vq" "${vq[@]}" --autoencoder-steps 4 --steps 5 --resume
grep -q '"steps": 5' "$work/vq/model.json"
grep -q 'steps 3-5: diffrecon prior train' "$work/vq/model.json"
grep -Eq '"autoencoder_hours": [0-9.e-]+[1-9]' "$work/vq/model.json"  # kept from the card: stage 1 did not run again
test "$(tail -n +2 "$work/vq/loss.csv" | wc -l)" -eq 5
# G2D2 reconstructs MRI with it: the mean and the std map of two chains.
(cd "$work" && bart phantom -x 32 -k -s 4 full && "$diffrecon" mri mask --type random --size 32x32 --acceleration 2 \
  --acs 8 --seed 1 --out mask.cfl && bart fmac full mask kspace)
"$diffrecon" mri --kspace "$work/kspace.cfl" --method g2d2 --prior "$work/vq/model.json" --param steps=4,iterations=2 \
  --samples 2 --out "$work/g2d2.cfl" --threads 2 2> "$work/g2d2.txt"
test -s "$work/g2d2.cfl" && test -s "$work/g2d2_std.cfl"
# Its report counts both networks: 4 token-denoiser evaluations and the decoder passes of each chain.
python3 -c "import json, sys; r = json.load(open(sys.argv[1])); assert r['method'] == 'g2d2' and r['nfe_per_chain'] == 4 \
  and r['decoder_passes_per_chain'] >= 4 * 2 and r['prior']['id'] == 'vq', r" "$work/g2d2.cfl.json"
# A continuous method cannot use it, and says so.
if "$diffrecon" mri --kspace "$work/kspace.cfl" --method dds --prior "$work/vq/model.json" --out "$work/dds.cfl" \
  --threads 2 2> "$work/dds.txt"; then
  echo "dds with a VQ prior must be refused"; exit 1
fi
grep -q "only g2d2" "$work/dds.txt"
test ! -e "$work/dds.cfl"
# A CT prior on the anatomical mix (atlas heads, bodies, ellipses); its card names the data and the
# command that reproduces it, mix and atlas included.
"$diffrecon" prior train --out "$work/ct-anatomy" --phantoms ct-anatomy --phantom-size 32 --patch 16 --phantom-mix 1,1,0.5 \
  --width 8 --multipliers 1,2 --batch 4 --threads 2 --steps 2
python3 -c "import json, sys; c = json.load(open(sys.argv[1])); t = c['training']; \
  assert 'random CT heads' in t['data'] and '--phantom-mix 1,1,0.5' in t['command'] and '--head-atlas ' in t['command'], t" \
  "$work/ct-anatomy/model.json"
if "$diffrecon" prior train --out "$work/mix-alone" --phantoms ct-ellipses --phantom-mix 1,0,0 --steps 1 2> "$work/mix.txt"; then
  echo "--phantom-mix without ct-anatomy must be refused"; exit 1
fi
grep -q "apply to --phantoms ct-anatomy" "$work/mix.txt"
test ! -e "$work/mix-alone"
# A real-valued discrete prior from CT phantoms, and G2D2 on a sparse-view sinogram with it.
"$diffrecon" prior train --out "$work/ct-vq" --vq --phantoms ct-ellipses --phantom-size 32 --patch 16 --token-patch 16 \
  --vq-widths 8,16 --codebook 16 --code-dim 2 --width 8 --multipliers 1,2 --token-embedding 4 --batch 4 \
  --threads 2 --autoencoder-steps 3 --steps 2
grep -q '"channels": 1' "$work/ct-vq/model.json"
cat > "$work/parallel.json" <<'JSON'
{ "beam": "parallel", "views": 12, "detector": { "count": 48, "spacing_mm": 1.0 },
  "image": { "rows": 32, "columns": 32, "pixel_size_mm": 1.0 } }
JSON
"$diffrecon" ct project --phantom random --seed 3 --geometry "$work/parallel.json" --photons 1e5 --noise-seed 1 \
  --out "$work/sinogram.nii.gz"
"$diffrecon" ct --sinogram "$work/sinogram.nii.gz" --geometry "$work/parallel.json" --method g2d2 \
  --prior "$work/ct-vq/model.json" --param steps=3,iterations=2 --out "$work/ct-g2d2.nii.gz" --threads 2 2> "$work/ct-g2d2.txt"
test -s "$work/ct-g2d2.nii.gz"
python3 -c "import json, sys; r = json.load(open(sys.argv[1])); assert r['method'] == 'g2d2' and r['nfe_per_chain'] == 3 \
  and r['decoder_passes_per_chain'] == 3 * 2, r" "$work/ct-g2d2.nii.gz.json"
echo "prior commands passed"
