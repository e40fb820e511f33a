#!/usr/bin/env bash
# --send against a real PACS: a loopback Orthanc started here (orthanc_fixture.sh). The study must
# arrive with every instance (checked through Orthanc's REST API), from the option and from a config
# file; refusals (an unknown called AE title, a calling AE title the PACS does not allow to store,
# a port nothing listens on) must fail with a clear message and a non-zero exit, leaving the written
# folder complete. Usage: pacs_send_test.sh path/to/diffrecon
set -euo pipefail
diffrecon="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/orthanc_fixture.sh"
work="$(mktemp -d)"
trap 'orthanc_stop_all; rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

orthanc_start PACS
# A second PACS that only lets known modalities store (it has none): the association is accepted
# and the C-STORE itself is refused.
orthanc_start STRICT ', "DicomAlwaysAllowStore": false, "DicomModalities": {}'
echo "Orthanc on DICOM port $PACS_DICOM_PORT (HTTP $PACS_HTTP_PORT); strict one on $STRICT_DICOM_PORT"

# Test data: a 3-slice CT stack.
"$diffrecon" ct geometry --beam parallel --views 45 --detectors 70 --detector-spacing-mm 1 --image-size 48 \
  --pixel-mm 1 --out g.json > /dev/null
"$diffrecon" ct phantom --kind random --seed 1 --count 3 --geometry g.json --out truth.nii.gz > /dev/null
"$diffrecon" ct project --image truth.nii.gz --geometry g.json --out sino.nii.gz > /dev/null

# 1. --send: every instance arrives.
"$diffrecon" ct --sinogram sino.nii.gz --geometry g.json --method fbp --out sent/ \
  --send "TESTPACS@127.0.0.1:$PACS_DICOM_PORT" --calling-aet DIFFRECONTEST > log.txt 2>&1 || fail "send: $(cat log.txt)"
grep -q "sent 3 instances to TESTPACS@127.0.0.1:$PACS_DICOM_PORT" log.txt || fail "no send line: $(cat log.txt)"
n=$(orthanc_count_instances "$PACS_HTTP_PORT" "$(study_uid sent)")
[ "$n" = 3 ] || fail "Orthanc holds $n instances of the study, expected 3"
echo "sent: Orthanc holds all 3 instances of study $(study_uid sent)"

# 2. The destination from a config file (options win over it; here there are none).
cat > config.json <<JSON
{ "send": "TESTPACS@127.0.0.1:$PACS_DICOM_PORT", "calling_aet": "RECONCONFIG", "send_timeout_s": 10 }
JSON
"$diffrecon" ct --sinogram sino.nii.gz --geometry g.json --method fbp --out from_config/ --config config.json \
  > log.txt 2>&1 || fail "config send: $(cat log.txt)"
grep -q "calling AE RECONCONFIG" log.txt || fail "config calling AE not used: $(cat log.txt)"
n=$(orthanc_count_instances "$PACS_HTTP_PORT" "$(study_uid from_config)")
[ "$n" = 3 ] || fail "config send: Orthanc holds $n instances, expected 3"
echo '{ "send": "not an address" }' > bad_config.json
status=0; "$diffrecon" ct --sinogram sino.nii.gz --geometry g.json --method fbp --out bad/ --config bad_config.json \
  > log.txt 2>&1 || status=$?
[ "$status" = 2 ] || fail "bad config: exit $status, expected 2"
grep -q "bad_config.json.*expected AET@host:port" log.txt || fail "bad config message: $(cat log.txt)"
[ ! -e bad ] || fail "bad config wrote an output"

# A batch sends every study (options after the manifest apply to each).
printf 'id,modality,input,out,options\none,ct,sino.nii.gz,b1/,--geometry g.json --method fbp\ntwo,ct,sino.nii.gz,b2/,--geometry g.json --method sirt --iters 5\n' > batch.csv
"$diffrecon" batch batch.csv --send "TESTPACS@127.0.0.1:$PACS_DICOM_PORT" > log.txt 2>&1 || fail "batch send: $(cat log.txt)"
for b in b1 b2; do
  n=$(orthanc_count_instances "$PACS_HTTP_PORT" "$(study_uid $b)")
  [ "$n" = 3 ] || fail "batch study $b: Orthanc holds $n instances, expected 3"
done
grep -qx "TESTPACS@127.0.0.1:$PACS_DICOM_PORT" b1/delivered.txt || fail "delivery not recorded: $(cat b1/delivered.txt)"
echo "batch: both studies arrived"
# Resuming a batch whose send was refused: the complete studies are sent then, once.
printf 'id,modality,input,out,options\nthree,ct,sino.nii.gz,b3/,--geometry g.json --method fbp\n' > batch3.csv
status=0; "$diffrecon" batch batch3.csv --send "TESTPACS@127.0.0.1:$(orthanc_free_port)" --send-timeout 5 > log.txt 2>&1 || status=$?
[ "$status" = 1 ] && [ -f b3/report.json ] || fail "batch with a refused send: $status $(cat log.txt)"
"$diffrecon" batch batch3.csv --send "TESTPACS@127.0.0.1:$PACS_DICOM_PORT" > log.txt 2>&1 || fail "batch resume send: $(cat log.txt)"
grep -q "three .*skipped .*sent now" log.txt || fail "resume did not send: $(cat log.txt)"
[ "$(orthanc_count_instances "$PACS_HTTP_PORT" "$(study_uid b3)")" = 3 ] || fail "resumed send did not arrive"
"$diffrecon" batch batch3.csv --send "TESTPACS@127.0.0.1:$PACS_DICOM_PORT" > log.txt 2>&1 || fail "batch rerun: $(cat log.txt)"
! grep -q "sent now" log.txt || fail "a delivered study was sent again: $(cat log.txt)"
echo "batch: a refused send is completed on resume"

# The PACS killed in the middle of a batch and restarted: the rerun delivers exactly the studies that
# did not arrive, and none twice (a PACS that overwrites logs every store, so a second one would show).
orthanc_start CRASHY ', "OverwriteInstances": true'
{
  echo "id,modality,input,out,options"
  for n in 1 2 3 4 5 6 7 8; do echo "c$n,ct,sino.nii.gz,crash/c$n/,--geometry g.json --method sirt --iters 400"; done
} > crash.csv
mkdir crash
"$diffrecon" batch crash.csv --send "TESTPACS@127.0.0.1:$CRASHY_DICOM_PORT" --send-timeout 5 > log.txt 2>&1 &
batch_pid=$!
for _ in $(seq 1200); do
  [ "$(cat crash/*/delivered.txt 2>/dev/null | wc -l)" -ge 2 ] && break
  sleep 0.05
done
orthanc_kill CRASHY
status=0; wait "$batch_pid" || status=$?
delivered=$(cat crash/*/delivered.txt 2>/dev/null | wc -l)
[ "$status" = 1 ] || fail "batch with the PACS killed: status $status: $(tail -12 log.txt)"
[ "$delivered" -ge 2 ] && [ "$delivered" -lt 8 ] || fail "the PACS was killed after $delivered of 8 deliveries (expected mid-batch)"
[ "$(find crash -name report.json | wc -l)" = 8 ] || fail "not every study was written while the PACS was down"
orthanc_restart CRASHY
stores_before=$(orthanc_count_stores "$CRASHY_HTTP_PORT")
"$diffrecon" batch crash.csv --send "TESTPACS@127.0.0.1:$CRASHY_DICOM_PORT" > log.txt 2>&1 || fail "rerun after the PACS came back: $(cat log.txt)"
sent_now=$(grep -Ec "^  c[0-9] +skipped .*sent now" log.txt || true)
[ "$sent_now" = $((8 - delivered)) ] || fail "the rerun sent $sent_now studies, expected the $((8 - delivered)) missing: $(cat log.txt)"
stores_after=$(orthanc_count_stores "$CRASHY_HTTP_PORT")
[ $((stores_after - stores_before)) = $((3 * (8 - delivered))) ] ||
  fail "the rerun stored $((stores_after - stores_before)) instances, expected $((3 * (8 - delivered)))"
for n in 1 2 3 4 5 6 7 8; do
  [ "$(orthanc_count_instances "$CRASHY_HTTP_PORT" "$(study_uid crash/c$n)")" = 3 ] || fail "study c$n is not complete in the PACS"
done
echo "batch: PACS killed after $delivered of 8 studies; the rerun sent the $((8 - delivered)) missing ones, none twice"

# The demo sends its study too (2 iterations, a 3-step sampler: the delivery is what is checked here):
# the posterior mean and std series.
"$diffrecon" demo --out demo --iters 2 --samples 2 --param steps=3 --send "TESTPACS@127.0.0.1:$PACS_DICOM_PORT" > log.txt 2>&1 || fail "demo --send: $(cat log.txt)"
n=$(orthanc_count_instances "$PACS_HTTP_PORT" "$(study_uid demo/study)")
[ "$n" = 2 ] || fail "demo --send: Orthanc holds $n instances of the demo study, expected 2 (mean and std)"
echo "demo: its study arrived"

# 3. Refusals: non-zero exit, a message naming the peer and the reason; the folder itself is complete.
expect_refusal() {  # NAME SEND_ADDRESS EXPECTED_MESSAGE_PART
  local status=0
  "$diffrecon" ct --sinogram sino.nii.gz --geometry g.json --method fbp --out "$1/" --send "$2" --send-timeout 5 \
    > log.txt 2>&1 || status=$?
  [ "$status" = 1 ] || fail "$1: exit status $status, expected 1: $(cat log.txt)"
  grep -q "$3" log.txt || fail "$1: expected '$3' in: $(cat log.txt)"
  [ -f "$1/report.json" ] || fail "$1: the study folder is incomplete"
  echo "$1 refused as expected: $(grep error log.txt)"
}
expect_refusal wrong_aet "NOTTESTPACS@127.0.0.1:$PACS_DICOM_PORT" "PACS NOTTESTPACS@127.0.0.1:$PACS_DICOM_PORT: association failed"
expect_refusal not_allowed "TESTPACS@127.0.0.1:$STRICT_DICOM_PORT" "C-STORE of '.*IM0001.dcm' failed"
closed=$(orthanc_free_port)
expect_refusal closed_port "TESTPACS@127.0.0.1:$closed" "association failed"
# A peer that accepts the TCP connection and never answers: the association times out.
silent=$(orthanc_free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
c = s.accept(); time.sleep(60)' "$silent" &
silent_pid=$!
trap 'kill $silent_pid 2>/dev/null || true; orthanc_stop_all; rm -rf "$work"' EXIT
sleep 0.5
start=$(date +%s)
expect_refusal silent_peer "TESTPACS@127.0.0.1:$silent" "association failed"
[ $(( $(date +%s) - start )) -lt 30 ] || fail "the 5 s timeout took $(( $(date +%s) - start )) s"
kill $silent_pid 2>/dev/null || true
n=$(curl -sf "http://127.0.0.1:$STRICT_HTTP_PORT/statistics" | python3 -c 'import json, sys; print(json.load(sys.stdin)["CountInstances"])')
[ "$n" = 0 ] || fail "the strict PACS stored $n instances"

# 4. A malformed --send is a usage error before any work.
status=0; "$diffrecon" ct --sinogram sino.nii.gz --geometry g.json --method fbp --out never/ --send "TESTPACS@127.0.0.1" \
  > log.txt 2>&1 || status=$?
[ "$status" = 2 ] && grep -q "expected AET@host:port" log.txt || fail "malformed --send: exit $status: $(cat log.txt)"
[ ! -e never ] || fail "malformed --send wrote an output"

echo "pacs send checks passed"
