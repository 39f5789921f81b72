#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# siblings.sh - sibling jobs against one-target policies: wait and makespan
#
#   siblings.sh DELEGATE_SO [N] [SEED] [GAP]   (make -C bench siblings)
#
# In a throwaway instance: for each strategy (siblings, earliest_start,
# least_pending), fresh targets B, C and D of one core each, accepting
# delegated jobs, and a fresh source A (metrics-interval=0.5s).  Each
# target is preloaded, directly, with the same number of jobs (4: one
# running, three queued, so least_pending and earliest_start see equal
# queues) of different total length: B 4 x 2s, C 4 x 5s, D 4 x 10s.
# Then N jobs (default 100) are submitted to A, one every GAP seconds
# (default 0.5: with a mean length of 0.5 s, a third of the 3 cores once
# the preloaded jobs are done), each "sleep L" with L drawn uniformly
# from 0.1 s to 0.9 s (mean 0.5 s) by
# awk's generator seeded with SEED (default 17): the same lengths, in the
# same order, for each strategy.
#
# Reported per strategy: the mean and 95th percentile of the wait of
# the source jobs, from submission to their start event, and the
# makespan, from the first submission to the last job's end.
#
# Only public tools: flux (start, submit, config, jobtap, jobs, python), jq, awk.

set -e
plugin=$(realpath "${1:?usage: siblings.sh DELEGATE_SO [N] [SEED] [GAP]}")
N=${2:-100}
SEED=${3:-17}
GAP=${4:-0.5}

. "$(dirname "$0")/lib.sh"

if test -z "$DELEGATE_BENCH_INNER"; then
    export DELEGATE_BENCH_INNER=1
    exec flux start --test-size=2 /bin/bash "$0" "$plugin" "$N" "$SEED" "$GAP"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the job lengths, one per line (seconds)
awk -v n="$N" -v seed="$SEED" 'BEGIN { srand(seed);
    for (i = 0; i < n; i++) printf "%.2f\n", 0.1 + 0.8 * rand() }' >"$work/lengths"

# accepting URI: the target at URI accepts delegated jobs
accepting () {
    printf '[delegate-accept]\n' | FLUX_URI=$1 flux config load
    FLUX_URI=$1 flux jobtap load "$plugin"
}

# preload URI SECONDS: 4 jobs of SECONDS each, one running
preload () {
    local i
    for i in 1 2 3 4; do
        FLUX_URI=$1 flux submit sleep "$2" >/dev/null
    done
    wait_for "test \$(FLUX_URI=$1 flux jobs -n -f run | wc -l) = 1" 30
}

# ready: A has metrics of B, C, D showing each one running and 3 pending,
# and knows they accept
ready () {
    FLUX_URI=$A flux jobtap query delegate.so | jq -e \
        '[.targets[] | .accept == true and .pending == 3 and .running == 1]
         == [true, true, true]' >/dev/null
}

# submit STRATEGY: the N jobs, one every GAP seconds; their ids in $work/ids
submit () {
    FLUX_URI=$A flux python - "$1" "$work/lengths" "$GAP" >"$work/ids" <<'PY'
import sys, time, flux, flux.job
strategy, lengths = sys.argv[1], open(sys.argv[2]).read().split()
gap = float(sys.argv[3])
h = flux.Flux()
for length in lengths:
    spec = flux.job.JobspecV1.from_command(["sleep", length])
    spec.setattr("system.delegate", strategy)
    spec.cwd = "/tmp"
    spec.environment = {"PATH": "/usr/bin:/bin"}
    print(int(flux.job.submit(h, spec)))
    time.sleep(gap)
PY
}

# measure: "wait" lines (start - submit) and the makespan, from the
# eventlogs of the jobs in $work/ids
measure () {
    FLUX_URI=$A flux python - "$work/ids" <<'PY'
import sys, json, flux
h = flux.Flux()
first, last, waits = None, None, []
for jobid in open(sys.argv[1]).read().split():
    log = h.rpc("job-info.lookup", {"id": int(jobid), "keys": ["eventlog"],
                                     "flags": 0}).get()["eventlog"]
    ev = {}
    for line in log.splitlines():
        e = json.loads(line)
        ev.setdefault(e["name"], e["timestamp"])
    if "start" not in ev:
        sys.exit(f"job {jobid} never started")
    waits.append(ev["start"] - ev["submit"])
    first = ev["submit"] if first is None else min(first, ev["submit"])
    last = ev["clean"] if last is None else max(last, ev["clean"])
waits.sort()
p95 = waits[max(0, int(round(0.95 * len(waits))) - 1)]
print("%.2f %.2f %.2f" % (sum(waits) / len(waits), p95, last - first))
PY
}

run_strategy () {
    local s=$1
    child B B_ID
    child C C_ID
    child D D_ID
    child A A_ID
    accepting $B
    accepting $C
    accepting $D
    printf '[[delegate]]\nuri = "%s"\nlabel = "b"\n[[delegate]]\nuri = "%s"\nlabel = "c"\n[[delegate]]\nuri = "%s"\nlabel = "d"\n' \
        "$B" "$C" "$D" | FLUX_URI=$A flux config load
    FLUX_URI=$A flux jobtap load "$plugin" metrics-interval=0.5s
    wait_for "FLUX_URI=\$A flux jobtap query delegate.so |
        jq -e '[.targets[] | .accept] == [true, true, true]' >/dev/null" 30
    preload $B 2 &
    preload $C 5 &
    preload $D 10 &
    wait
    wait_for ready 10
    submit "$s"
    for id in $(cat "$work/ids"); do
        FLUX_URI=$A flux job wait-event -t 600 "$id" clean >/dev/null
    done
    printf '%-16s %s\n' "$s" "$(measure)" >>"$work/results"
    for id in $A_ID $B_ID $C_ID $D_ID; do
        stop_child "$id"
    done
}

echo "siblings benchmark: $N jobs, lengths uniform 0.1-0.9 s (seed $SEED), one every $GAP s;"
echo "targets B, C, D of 1 core, each preloaded with 4 jobs of 2 s, 5 s, 10 s"
for s in siblings earliest_start least_pending; do
    run_strategy $s
done
printf '%-16s %10s %10s %10s\n' strategy "mean wait" "p95 wait" makespan
awk '{ printf "%-16s %9.2fs %9.2fs %9.2fs\n", $1, $2, $3, $4 }' "$work/results"
