#!/usr/bin/env bash
# `diffrecon batch` over several processes, end to end: --shard i/n run by hand (an 8-slice volume
# split slice by slice, and the 3 chains of a posterior split chain by chain) gives what one process
# gives (pixel data and every UID, the posterior's mean and std series included); `--slurm --submit` on a real one-node Slurm cluster (started by
# tests/slurm/local_slurm.sh, which runs this script) runs the studies as a 4-task job array and the
# merge as a dependent job, with the same result; a shard made to fail (a corrupt input) blocks the
# merge, which names the study and its shard, and rerunning that shard completes the batch.
# Results are checked from the output files, not from exit statuses alone.
# Usage: local_slurm.sh slurm_batch_test.sh path/to/diffrecon ct/examples/parallel_60_views.json models/
set -euo pipefail
diffrecon="$1"
geometry="$2"
models="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export OMP_WAIT_POLICY=PASSIVE
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"; }

# Pixel data and UIDs of every DICOM file under a folder, in file order (dates and times left out).
fingerprint() {
  local f
  while IFS= read -r f; do
    echo "${f#"$1"/}"
    dcmdump +P StudyInstanceUID +P SeriesInstanceUID +P SOPInstanceUID +P FrameOfReferenceUID "$f"
    dcmdump +L +P PixelData "$f" | md5sum
  done < <(find "$1" -name '*.dcm' | sort)
}

# Three small studies: two CT sinograms, one MRI scan.
cp "$geometry" g.json
"$diffrecon" ct project --phantom shepp-logan --geometry g.json --out head.nii.gz > /dev/null 2>&1
"$diffrecon" ct project --phantom random --seed 3 --geometry g.json --out body.nii.gz > /dev/null 2>&1
ismrmrd_generate_cartesian_shepp_logan -m 48 -c 4 -a 2 -w 16 -n 0.05 -o brain.h5 > /dev/null 2>&1
# An 8-slice, 4-coil volume (BART's slice dimension 13), split slice by slice over the shards.
bart phantom -x 48 -s 4 -k one > /dev/null && bart repmat 13 8 one same > /dev/null && bart noise -n 1e-4 same volume > /dev/null
cat > batch.csv <<CSV
id,modality,input,out,options
head,ct,head.nii.gz,out/head/,--geometry g.json --method fbp
brain,mri,brain.h5,out/brain/,--method cg --iters 5 --repetition -1
body,ct,body.nii.gz,out/body/,--geometry g.json --method sirt --iters 5
volume,mri,volume.cfl,out/volume/,--method cg --iters 5
chains,mri,one.cfl,out/chains/,--method dps --prior $models/mri-brain/model.json --samples 3 --param steps=4 --batch 1
CSV

# 1. One process: the reference.
mkdir out
"$diffrecon" batch batch.csv --threads 1 > one.log 2>&1 || fail "one-process batch: $(cat one.log)"
fingerprint out > one.txt
[ "$(grep -c '\.dcm$' one.txt)" = 13 ] || fail "one-process batch wrote $(grep -c '\.dcm$' one.txt) instances, expected 13"
rm -rf out && mkdir out

# 2. Shards by hand, one after the other: the same pixels and UIDs; the merge collects 3 shard records.
for i in 0 1 2; do
  "$diffrecon" batch batch.csv --shard $i/3 --split-slices --split-chains --threads 1 > shard$i.log 2>&1 || fail "shard $i/3: $(cat shard$i.log)"
done
grep -q "volume: slices 0 3 6 of 8" shard0.log || fail "shard 0/3 did not get slices 0, 3, 6: $(cat shard0.log)"
[ ! -e out/volume ] || fail "a shard wrote the split study's folder"
"$diffrecon" batch batch.csv --merge --split-chains > merge.log 2>&1 || fail "merge of hand-run shards: $(cat merge.log)"
grep -q "volume: 8 slices assembled" merge.log || fail "merge: $(cat merge.log)"
grep -q "chains: 1 slices assembled" merge.log || fail "merge of the chains: $(cat merge.log)"
grep -q "chains: slice:chain 0:2 of 1 slices x 3 chains" shard0.log || fail "shard 0/3 chains: $(cat shard0.log)"
[ ! -e out/.volume.parts ] || fail "the merge left the slice parts"
fingerprint out > hand.txt
cmp -s one.txt hand.txt || fail "hand-run shards differ from one process: $(diff one.txt hand.txt | head)"
[ "$(json batch.csv.shards/batch-report.json 'len(d["shards"])')" = 3 ] || fail "batch report shards"
[ "$(json batch.csv.shards/batch-report.json 'd["complete"]')" = True ] || fail "batch report not complete"
[ "$(json batch.csv.shards/batch-report.json 'all(s["peak_memory_mib"] > 0 for s in d["shards"])')" = True ] ||
  fail "a shard's record has no peak memory: $(cat batch.csv.shards/batch-report.json)"
echo "hand-run shards: identical to one process"
rm -rf out batch.csv.shards && mkdir out

# 3. A Slurm job array of 4 tasks (the volume's slices spread over all of them) and the dependent merge.
wait_for_jobs() {
  local id
  for id in "$@"; do
    for _ in $(seq 600); do [ -z "$(squeue -h -j "$id" -o %i 2> /dev/null)" ] && break; sleep 0.25; done
  done
}
"$diffrecon" batch batch.csv --slurm --split-slices --split-chains --tasks 4 --cpus-per-task 1 --submit > submit.log 2>&1 || fail "submit: $(cat submit.log)"
array_job=$(sed -nE 's/^submitted array job ([0-9]+) and merge job ([0-9]+)$/\1/p' submit.log)
merge_job=$(sed -nE 's/^submitted array job ([0-9]+) and merge job ([0-9]+)$/\2/p' submit.log)
[ -n "$array_job" ] && [ -n "$merge_job" ] || fail "no job ids in: $(cat submit.log)"
wait_for_jobs "$array_job" "$merge_job"
for task in 0 1 2 3; do
  log="batch.csv.shards/logs/${array_job}_$task.log"
  [ -s "$log" ] || fail "no log for array task $task"
  grep -q "shard $task/4 from SLURM_ARRAY_TASK_ID $task of SLURM_ARRAY_TASK_COUNT 4" "$log" || fail "task $task: $(cat "$log")"
  [ -f "batch.csv.shards/shard-$task-of-4.json" ] || fail "no record for shard $task"
done
grep -q "5 of 5 studies complete; 4 shard records" batch.csv.shards/logs/merge_"$merge_job".log ||
  fail "merge job: $(cat batch.csv.shards/logs/merge_"$merge_job".log 2>&1)"
[ "$(json batch.csv.shards/batch-report.json 'sorted({s["host"] for s in d["shards"]}) == [__import__("socket").gethostname()]')" = True ] ||
  fail "batch report hosts"
# The merged volume is one valid series: dciodvfy clean, 8 instances numbered 1..8 in order.
n=0
for f in $(find out/volume/dicom/001_image -name '*.dcm' | sort); do
  n=$((n + 1))
  dciodvfy "$f" > dciodvfy.txt 2>&1 || fail "dciodvfy $f: $(cat dciodvfy.txt)"
  ! grep -q '^Error' dciodvfy.txt || fail "dciodvfy errors for $f: $(cat dciodvfy.txt)"
  [ "$(dcmdump +P InstanceNumber "$f" | sed -E 's/^[^[]*\[([^]]*)\].*/\1/')" = "$n" ] || fail "$f: instance number"
done
[ "$n" = 8 ] || fail "the merged volume has $n instances, expected 8"
fingerprint out > slurm.txt
cmp -s one.txt slurm.txt || fail "the Slurm array differs from one process: $(diff one.txt slurm.txt | head)"
echo "slurm array: 4 tasks and the merge, identical to one process"
rm -rf out batch.csv.shards && mkdir out

# 4. A corrupt input fails its shard; the merge is never run by Slurm, and run by hand it refuses,
#    naming the study and its shard; rerunning that shard completes the batch.
cp brain.h5 brain.good.h5
head -c 2000 brain.good.h5 > brain.h5
"$diffrecon" batch batch.csv --slurm --split-slices --split-chains --tasks 4 --cpus-per-task 1 --submit > submit.log 2>&1 || fail "submit: $(cat submit.log)"
array_job=$(sed -nE 's/^submitted array job ([0-9]+) and merge job ([0-9]+)$/\1/p' submit.log)
merge_job=$(sed -nE 's/^submitted array job ([0-9]+) and merge job ([0-9]+)$/\2/p' submit.log)
wait_for_jobs "$array_job" "$merge_job"
[ ! -e batch.csv.shards/logs/merge_"$merge_job".log ] || fail "the merge ran after a failed shard"
[ ! -e out/brain ] || fail "the failed study left a folder"
grep -q "brain FAILED" batch.csv.shards/logs/"${array_job}"_1.log || fail "shard 1 log: $(cat batch.csv.shards/logs/"${array_job}"_1.log)"
status=0; "$diffrecon" batch batch.csv --merge --split-chains > merge.log 2>&1 || status=$?
[ "$status" = 1 ] || fail "merge with a missing study: exit $status"
grep -q "missing: brain (.*batch.csv line 3, shard 1/4) .*cannot open .*brain.h5" merge.log || fail "merge message: $(cat merge.log)"
[ "$(json batch.csv.shards/batch-report.json 'd["complete"]')" = False ] || fail "batch report says complete"
cp brain.good.h5 brain.h5
rerun=$(sbatch --parsable --cpus-per-task=1 -o batch.csv.shards/logs/rerun.log --wrap "$diffrecon batch $work/batch.csv --shard 1/4 --split-slices --split-chains")
wait_for_jobs "$rerun"
"$diffrecon" batch batch.csv --merge --split-chains > merge.log 2>&1 || fail "merge after the rerun: $(cat merge.log)"
fingerprint out > rerun.txt
cmp -s one.txt rerun.txt || fail "after the rerun the batch differs from one process: $(diff one.txt rerun.txt | head)"
echo "failed shard: merge refused, rerun completed it"
echo "slurm batch checks passed"
