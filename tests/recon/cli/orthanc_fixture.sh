# A throw-away Orthanc PACS on loopback for the tests (sourced). `orthanc_start NAME [extra JSON]`
# writes a config into its own temporary folder (storage, index, log), picks free DICOM and HTTP
# ports, starts `Orthanc config.json`, waits until its REST API answers, and records the PID; an
# EXIT trap (orthanc_stop_all) kills every instance it started, so nothing keeps running.
# After orthanc_start NAME: ${NAME}_DICOM_PORT, ${NAME}_HTTP_PORT, ${NAME}_PID; the AE title is TESTPACS.
# Needs Debian's orthanc, curl and python3.

orthanc_pids=()
orthanc_dirs=()

orthanc_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

orthanc_stop_all() {
  local pid
  for pid in "${orthanc_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${orthanc_pids[@]}"; do
    # Orthanc flushes its index on SIGTERM; give it a few seconds, then insist.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  local dir
  for dir in "${orthanc_dirs[@]}"; do rm -rf "$dir"; done
  orthanc_pids=()
  orthanc_dirs=()
}

orthanc_start() {
  local name="$1" extra="${2:-}"
  local dir dicom_port http_port
  dir="$(mktemp -d)"
  orthanc_dirs+=("$dir")
  dicom_port=$(orthanc_free_port)
  http_port=$(orthanc_free_port)
  cat > "$dir/config.json" <<JSON
{
  "Name": "DiffReconTest-$name",
  "StorageDirectory": "$dir/db", "IndexDirectory": "$dir/db",
  "DicomAet": "TESTPACS", "DicomPort": $dicom_port, "HttpPort": $http_port,
  "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "DicomCheckCalledAet": true, "DicomAlwaysAllowStore": true,
  "HttpServerEnabled": true, "Plugins": [] $extra
}
JSON
  printf -v "${name}_DICOM_PORT" '%s' "$dicom_port"
  printf -v "${name}_HTTP_PORT" '%s' "$http_port"
  orthanc_launch "$name" "$dir"
}

# Starts `Orthanc DIR/config.json` for NAME and waits until its REST API answers; sets ${NAME}_PID.
orthanc_launch() {
  local name="$1" dir="$2" port_variable="${1}_HTTP_PORT" pid
  Orthanc "$dir/config.json" >> "$dir/orthanc.log" 2>&1 &
  pid=$!
  orthanc_pids+=("$pid")
  printf -v "${name}_PID" '%s' "$pid"
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:${!port_variable}/system" > /dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: Orthanc ($name) did not start; its log:" >&2
  cat "$dir/orthanc.log" >&2
  return 1
}

# Stops instance NAME as a crash would (SIGKILL: nothing flushed beyond what Orthanc already stored)
# and starts it again on the same ports and storage: orthanc_kill NAME; orthanc_restart NAME.
orthanc_kill() {
  local pid_variable="${1}_PID"
  kill -9 "${!pid_variable}" 2>/dev/null || true
  while kill -0 "${!pid_variable}" 2>/dev/null; do sleep 0.05; done
}
orthanc_restart() {
  local name="$1" config
  config="$(grep -l "DiffReconTest-$name\"" "${orthanc_dirs[@]/%//config.json}" | head -1)"
  orthanc_launch "$name" "$(dirname "$config")"
}

# How many times instances were stored in an Orthanc (its change log's NewInstance entries; with
# "OverwriteInstances": true a second store of one instance is a new entry): orthanc_count_stores HTTP_PORT
orthanc_count_stores() {
  curl -sf "http://127.0.0.1:$1/changes?limit=10000" |
    python3 -c 'import json, sys; print(sum(c["ChangeType"] == "NewInstance" for c in json.load(sys.stdin)["Changes"]))'
}

# The Study Instance UID of a study folder `diffrecon` wrote (from its report): study_uid FOLDER
study_uid() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["study_instance_uid"])' "$1/report.json"; }

# Instances of a study in an Orthanc: orthanc_count_instances HTTP_PORT STUDY_INSTANCE_UID
orthanc_count_instances() {
  curl -sf "http://127.0.0.1:$1/tools/find" \
    -d "{\"Level\": \"Instance\", \"Query\": {\"StudyInstanceUID\": \"$2\"}}" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

trap orthanc_stop_all EXIT
