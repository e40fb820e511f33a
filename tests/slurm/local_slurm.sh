#!/usr/bin/env bash
# A real one-node Slurm cluster on loopback for the duration of one command (as root, no systemd):
# munged, slurmctld and slurmd in the foreground as children of this script, with a private
# slurm.conf, munge key and state in a temporary folder; SLURM_CONF is exported to the command.
# Everything is stopped by PID when the command ends (or this script is signalled), jobs first.
# The packages come from scripts/setup.sh. Facts behind each setting: ../shared/reference/slurm.md.
# Usage: local_slurm.sh COMMAND [ARGS...]     (SLURM_LOCAL_CPUS=N declares N CPUs, default 4)
set -euo pipefail
for tool in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v "$tool" > /dev/null || { echo "local_slurm.sh: $tool is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "local_slurm.sh: Slurm's daemons run as root here; run as root" >&2; exit 1; }

work="$(mktemp -d)"
chmod 755 "$work"  # munged wants every parent of its socket searchable
mkdir -p "$work"/{etc,munge,state,spool,log}
munge_pid="" ctld_pid="" slurmd_pid="" command_pid=""

# Free TCP ports, from the kernel's table of listening and connected ones.
used_ports() { awk 'NR > 1 { split($2, a, ":"); print strtonum("0x" a[2]) }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    used_ports | grep -qx "$port" || { echo "$port"; return; }
  done
}

stop() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "$command_pid" ] && kill "$command_pid" 2> /dev/null || true
  if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2> /dev/null; then
    timeout 10 scancel --full --user=root 2> /dev/null || true
    for _ in $(seq 40); do [ -z "$(timeout 5 squeue -h -o %i 2> /dev/null)" ] && break; sleep 0.25; done
  fi
  for pid in $slurmd_pid $ctld_pid $munge_pid; do
    kill "$pid" 2> /dev/null || continue
    for _ in $(seq 40); do kill -0 "$pid" 2> /dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
  rm -rf "$work"
  exit "$status"
}
trap stop EXIT
trap 'exit 143' INT TERM

dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$work/munge/munge.key"
munged -F --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
  --seed-file="$work/munge/munged.seed" 2> "$work/log/munged.log" &
munge_pid=$!

cpus="${SLURM_LOCAL_CPUS:-4}"
# The node's real layout when all its CPUs are declared; otherwise one socket of $cpus cores (with
# config_overrides, slurmd accepts a declaration that differs from the hardware).
if [ "$(slurmd -C | head -1 | grep -o 'CPUs=[0-9]*')" = "CPUs=$cpus" ]; then
  layout=$(slurmd -C | head -1 | grep -o 'Boards=[^ ]* SocketsPerBoard=[^ ]* CoresPerSocket=[^ ]* ThreadsPerCore=[^ ]*')
else
  layout="Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1"
fi
binding=""
if getent ahostsv4 "$(hostname)" | grep -q '^127\.'; then
  binding="CommunicationParameters=NoCtldInAddrAny,NoInAddrAny"  # daemons listen on loopback only
else
  echo "local_slurm.sh: warning: $(hostname) does not resolve to 127.x; the daemons listen on every address" >&2
fi
cat > "$work/etc/slurm.conf" <<CONF
ClusterName=diffrecon-test
SlurmctldHost=localhost
SlurmUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$work/log/jobcomp.txt
MailProg=/bin/true
ReturnToService=2
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SlurmdParameters=config_overrides
$binding
NodeName=localhost CPUs=$cpus $layout State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/etc/slurm.conf"

slurmctld -D -c -f "$SLURM_CONF" > "$work/log/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -N localhost -f "$SLURM_CONF" > "$work/log/slurmd.out" 2>&1 &
slurmd_pid=$!
for _ in $(seq 80); do
  for pid in $munge_pid $ctld_pid $slurmd_pid; do
    kill -0 "$pid" 2> /dev/null || {
      echo "local_slurm.sh: a daemon died at start:" >&2
      tail -n 5 "$work"/log/* >&2
      exit 1
    }
  done
  [ "$(timeout 5 sinfo -h -n localhost -o %T 2> /dev/null)" = idle ] && break
  sleep 0.25
done
[ "$(timeout 5 sinfo -h -n localhost -o %T 2> /dev/null)" = idle ] || { echo "local_slurm.sh: the node never became idle" >&2; tail -n 5 "$work"/log/* >&2; exit 1; }
echo "local_slurm.sh: Slurm up ($cpus CPUs declared, SLURM_CONF=$SLURM_CONF)"

# The command runs in the background so a signal to this script is handled at once.
"$@" &
command_pid=$!
wait "$command_pid"
