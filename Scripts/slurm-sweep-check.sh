#!/usr/bin/env bash
# Runs a small sweep as a Slurm job array on a single-node Slurm started here, merges its shards
# with `mailpath sweep merge`, and checks that the merged results equal the unsharded sweep's
# byte for byte (issue 23; Docs/cluster.md shows the same on a real cluster).
#
#   Scripts/slurm-sweep-check.sh MAILPATH_BINARY
#
# Needs root and Debian's slurm-wlm and munge (.ci/run installs them). Slurm runs without systemd
# or cgroups (proctrack/linuxproc, task/none) with its state in a temporary folder; everything it
# starts is stopped on exit. If Slurm cannot be started, the script fails and says why: it never
# skips.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:?usage: Scripts/slurm-sweep-check.sh MAILPATH_BINARY}")
fail() { echo "slurm-sweep-check: $*" >&2; exit 1; }
for tool in slurmctld slurmd sbatch sinfo munged; do
    command -v "$tool" > /dev/null || fail "$tool is not installed (Debian: apt-get install slurm-wlm munge)"
done
[ "$(id -u)" = 0 ] || fail "must run as root (it starts munged, slurmctld and slurmd)"

work=$(mktemp -d /tmp/mailpath-slurm.XXXXXX)
started=()
cleanup() {
    for pidfile in "${started[@]}"; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2> /dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
# The Debian packages start their services on install where they can; ours are separate.
for service in slurmctld slurmd munge; do service "$service" stop > /dev/null 2>&1 || true; done

mkdir -p "$work/state" "$work/spool" "$work/log" /run/munge
chown munge:munge /run/munge
runuser -u munge -- munged --pid-file=/run/munge/mailpath-munged.pid --socket=/run/munge/munge.socket.2 \
    || fail "munged did not start (is /etc/munge/munge.key there?)"
started+=(/run/munge/mailpath-munged.pid)

host=$(hostname -s)
memory=$(( $(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024 / 2 ))
export SLURM_CONF="$work/slurm.conf"
cat > "$SLURM_CONF" << EOF
ClusterName=mailpath
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start: $(tail -5 "$work/log/slurmctld.log" 2> /dev/null)"
started+=("$work/slurmctld.pid")
slurmd -f "$SLURM_CONF" || fail "slurmd did not start: $(tail -5 "$work/log/slurmd.log" 2> /dev/null)"
started+=("$work/slurmd.pid")
for _ in $(seq 60); do
    sinfo --noheader --format=%t 2> /dev/null | grep -q idle && break
    sleep 1
done
sinfo --noheader --format=%t | grep -q idle || fail "the node did not become idle: $(sinfo 2>&1; tail -5 "$work/log/slurmctld.log")"

# The plan: two eras, three latencies of one link, two replications (12 runs) of the relay story.
cat > "$work/plan.json" << EOF
{
  "format": "mailpath-sweep/1",
  "scenario": "$PWD/Docs/examples/relay-story.json",
  "replications": 2,
  "grid": {"era": ["smtp-1982", "mx-1986"], "links[1].latency": ["30ms", "300ms", "3s"]}
}
EOF
shards=3
cat > "$work/job.sh" << EOF
#!/bin/bash
exec "$binary" sweep "$work/plan.json" --out "$work/shard\$SLURM_ARRAY_TASK_ID" --shard "\$SLURM_ARRAY_TASK_ID/$shards" --jobs 1
EOF
chmod +x "$work/job.sh"
echo "slurm-sweep-check: submitting the sweep as a job array of $shards tasks"
sbatch --wait --array=1-$shards --output="$work/log/task-%a.out" "$work/job.sh" \
    || fail "the job array failed: $(cat "$work"/log/task-*.out 2> /dev/null)"
"$binary" sweep merge "$work/plan.json" --out "$work/merged" "$work"/shard{1..3}
"$binary" sweep "$work/plan.json" --out "$work/whole" --quiet
cmp "$work/merged/results.csv" "$work/whole/results.csv" || fail "merged results.csv differs from the unsharded sweep's"
cmp "$work/merged/results.jsonl" "$work/whole/results.jsonl" || fail "merged results.jsonl differs from the unsharded sweep's"
echo "slurm-sweep-check: $(( $(wc -l < "$work/whole/results.csv") - 1 )) rows; the merged job array equals the unsharded sweep byte for byte"
