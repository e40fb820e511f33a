#!/usr/bin/env bash
# --send over DICOM TLS to a loopback Orthanc with DICOM TLS enabled (orthanc_fixture.sh), with a test
# CA made here (openssl): the study arrives when the PACS's certificate is signed by the CA given;
# a wrong CA, an expired PACS certificate, plain DICOM to a TLS port, and a missing client
# certificate where the PACS requires one are each refused with a clear message and exit status 1
# (the written study folder stays complete); TLS options that do not fit together exit 2.
# Usage: pacs_tls_test.sh path/to/diffrecon
set -euo pipefail
diffrecon="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/orthanc_fixture.sh"
work="$(mktemp -d)"
trap 'orthanc_stop_all; rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- the test CA, a second (wrong) CA, the PACS's certificates (valid and expired), ours ----------
ssl() { openssl "$@" > /dev/null 2>&1 || fail "openssl $*"; }
ssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=DiffRecon test CA"
ssl req -x509 -newkey rsa:2048 -nodes -keyout wrong.key -out wrong.pem -days 2 -subj "/CN=Another CA"
for who in pacs client; do
  ssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr -subj "/CN=$who"
  ssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem -days 2
done
mkdir ca-db && touch ca-db/index.txt && echo 1000 > ca-db/serial
cat > ca.cnf <<'CNF'
[ ca ]
default_ca = test
[ test ]
database = ca-db/index.txt
new_certs_dir = ca-db
serial = ca-db/serial
default_md = sha256
policy = any
[ any ]
commonName = supplied
CNF
ssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in pacs.csr -out expired.pem -notext \
  -startdate 20200101000000Z -enddate 20200102000000Z

tls_config() {  # certificate, whether the PACS requires ours
  echo ", \"DicomTlsEnabled\": true, \"DicomTlsCertificate\": \"$work/$1\", \"DicomTlsPrivateKey\": \"$work/pacs.key\",
    \"DicomTlsTrustedCertificates\": \"$work/ca.pem\", \"DicomTlsRemoteCertificateRequired\": $2"
}
orthanc_start TLS "$(tls_config pacs.pem false)"
orthanc_start EXPIRED "$(tls_config expired.pem false)"
orthanc_start MUTUAL "$(tls_config pacs.pem true)"

"$diffrecon" ct geometry --beam parallel --views 30 --detectors 40 --detector-spacing-mm 1 --image-size 24 \
  --pixel-mm 1 --out g.json > /dev/null
"$diffrecon" ct phantom --kind random --seed 1 --count 2 --geometry g.json --out truth.nii.gz > /dev/null
"$diffrecon" ct project --image truth.nii.gz --geometry g.json --out sino.nii.gz > /dev/null
reconstruct() { local out="$1"; shift; "$diffrecon" ct --sinogram sino.nii.gz --geometry g.json --method fbp --out "$out" "$@"; }

# 1. TLS with the CA that signed the PACS's certificate: every instance arrives.
reconstruct tls/ --send "TESTPACS@127.0.0.1:$TLS_DICOM_PORT" --tls --tls-ca ca.pem > log.txt 2>&1 || fail "TLS send: $(cat log.txt)"
[ "$(orthanc_count_instances "$TLS_HTTP_PORT" "$(study_uid tls)")" = 2 ] || fail "TLS send: the study did not arrive"
echo "TLS: both instances arrived"

# 2. Our certificate for a PACS that requires one; without it, refused.
reconstruct mutual/ --send "TESTPACS@127.0.0.1:$MUTUAL_DICOM_PORT" --tls --tls-ca ca.pem --tls-cert client.pem \
  --tls-key client.key > log.txt 2>&1 || fail "mutual TLS send: $(cat log.txt)"
[ "$(orthanc_count_instances "$MUTUAL_HTTP_PORT" "$(study_uid mutual)")" = 2 ] || fail "mutual TLS: the study did not arrive"
echo "TLS with our certificate: arrived"

refused() {  # label, expected message (regex), output, options...
  local label="$1" message="$2" out="$3"; shift 3
  local status=0
  reconstruct "$out" "$@" > log.txt 2>&1 || status=$?
  [ "$status" = 1 ] || fail "$label: exit $status, expected 1: $(cat log.txt)"
  grep -Eq "^diffrecon: .*$message" log.txt || fail "$label: unclear message: $(cat log.txt)"
  [ -f "$out/report.json" ] || fail "$label: the written study folder is gone"
  echo "refused ($label): $(grep '^diffrecon:' log.txt | cut -c1-160)"
}
refused "a wrong CA" "TLS association failed" wrong/ --send "TESTPACS@127.0.0.1:$TLS_DICOM_PORT" --tls --tls-ca wrong.pem
refused "an expired PACS certificate" "TLS association failed" expired/ --send "TESTPACS@127.0.0.1:$EXPIRED_DICOM_PORT" --tls --tls-ca ca.pem
refused "no client certificate" "TLS association failed" nocert/ --send "TESTPACS@127.0.0.1:$MUTUAL_DICOM_PORT" --tls --tls-ca ca.pem
refused "plain DICOM to a TLS port" "association failed" plain/ --send "TESTPACS@127.0.0.1:$TLS_DICOM_PORT" --send-timeout 5
for study in wrong expired nocert; do
  [ "$(orthanc_count_instances "$TLS_HTTP_PORT" "$(study_uid $study)")" = 0 ] || fail "$study arrived although refused"
done

# 3. Options that do not fit together: exit 2, nothing written.
usage() {  # expected message, options...
  local message="$1"; shift
  local status=0
  reconstruct usage/ "$@" > log.txt 2>&1 || status=$?
  [ "$status" = 2 ] || fail "$*: exit $status, expected 2: $(cat log.txt)"
  grep -q -- "$message" log.txt || fail "$*: unclear message: $(cat log.txt)"
  [ ! -e usage ] || fail "$*: wrote an output"
}
usage "add --tls" --send "TESTPACS@127.0.0.1:$TLS_DICOM_PORT" --tls-ca ca.pem
usage "give the CA" --send "TESTPACS@127.0.0.1:$TLS_DICOM_PORT" --tls
usage "go together" --send "TESTPACS@127.0.0.1:$TLS_DICOM_PORT" --tls --tls-ca ca.pem --tls-cert client.pem
usage "does not exist" --send "TESTPACS@127.0.0.1:$TLS_DICOM_PORT" --tls --tls-ca missing.pem
usage "applies to sending" --tls --tls-ca ca.pem
# The config file's TLS keys, paths relative to it.
mkdir conf && cp ca.pem conf/
echo "{ \"send\": \"TESTPACS@127.0.0.1:$TLS_DICOM_PORT\", \"tls\": true, \"tls_ca\": \"ca.pem\" }" > conf/config.json
reconstruct configured/ --config conf/config.json > log.txt 2>&1 || fail "TLS from the config: $(cat log.txt)"
[ "$(orthanc_count_instances "$TLS_HTTP_PORT" "$(study_uid configured)")" = 2 ] || fail "TLS from the config: did not arrive"
echo "TLS from the config file: arrived"
echo "pacs tls checks passed"
