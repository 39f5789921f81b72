#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# throughput.sh - delegated against direct submission: throughput, latency
#
#   throughput.sh DELEGATE_SO [N] [RUNS] [L]   (make -C bench throughput)
#
# In a throwaway instance of one broker on this machine's cores: a target
# B (1 core) and, one at a time, sources with delegate.so loaded (1 core
# each: each child instance is bound to its core, so B and the source do
# not share one; the CPUs are printed).  Memory: see memory.sh.
#
# Throughput: each run times two batches of N trivial jobs ("true"),
# each from the first submission until the queue is drained: directly to
# B, then delegated to B through a source.  Each batch has a fresh B (and
# source): B's CPU per job grows with what it ran before (from 30 to 36
# ms over 3200 jobs, purged as they went), which would favour whichever
# way runs first.  The clients (submit, drain, run) run off B's CPU, with
# the source: else, in the delegated batch, they took B's CPU while the
# source held the other.  Also printed: B's CPU time per job (its
# broker's threads and the job shells), the cost delegation adds on the
# target, and the KVS root versions B made per job (one per commit it
# applied).  Medians of RUNS runs.
#
# Latency: L jobs one after the other (flux run), directly and delegated;
# the median of t_inactive - t_submit as flux jobs reports it.
#
# Only public tools: flux (start, submit, run, jobs, queue, cancel, job,
# jobtap, module stats), taskset, jq, bc, getconf.

set -e
plugin=$(realpath "${1:?usage: throughput.sh DELEGATE_SO [N] [RUNS] [L]}")
N=${2:-1000}
RUNS=${3:-3}
L=${4:-50}

. "$(dirname "$0")/lib.sh"

if test -z "$DELEGATE_BENCH_INNER"; then
    export DELEGATE_BENCH_INNER=1
    exec flux start --test-size=1 /bin/bash "$0" "$plugin" "$N" "$RUNS" "$L"
fi

now () { date +%s.%N; }

# client CMD...: run CMD (a client of the instances: submit, drain, run)
# off B's CPU, where the source runs, as a user would on another machine
client () {
    local b
    b=$(taskset -pc "$(FLUX_URI=$B flux getattr broker.pid)" | sed 's/.*: //')
    if test "$b" -eq "$b" 2>/dev/null && test "$(nproc)" -gt 1; then
        taskset -c "$(seq 0 $(($(nproc) - 1)) | grep -vx "$b" | paste -sd,)" "$@"
    else
        "$@"
    fi
}

# cpu_ticks URI: CPU time (clock ticks) the broker at URI used so far,
# its threads and the processes it started and reaped (the job shells)
cpu_ticks () {
    awk '{ print $14 + $15 + $16 + $17 }' \
        "/proc/$(FLUX_URI=$1 flux getattr broker.pid)/stat"
}

# kvs_versions: B's KVS root versions so far (one per commit it applied)
kvs_versions () {
    FLUX_URI=$B flux module stats kvs | jq '.namespace.primary["store revision"]'
}

# run_batch URI [SUBMIT-OPTIONS...]: submit N jobs to the instance at URI,
# wait until its queue is drained, print the seconds that took, and B's
# CPU milliseconds and KVS root versions per job; then purge the jobs
# from it and from B
run_batch () {
    local uri=$1 t0 t1 c0 c1 v0 v1
    shift
    c0=$(cpu_ticks "$B")
    v0=$(kvs_versions)
    t0=$(now)
    FLUX_URI=$uri client flux submit --quiet --cc=1-"$N" "$@" true
    FLUX_URI=$uri client flux queue drain
    t1=$(now)
    c1=$(cpu_ticks "$B")
    v1=$(kvs_versions)
    FLUX_URI=$uri flux job purge --force --num-limit=0 >/dev/null
    FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
    echo "$(echo "$t1 - $t0" | bc -l)" \
        "$(echo "($c1 - $c0) * 1000 / $(getconf CLK_TCK) / $N" | bc -l)" \
        "$(echo "($v1 - $v0) / $N" | bc -l)"
}

# latency URI [SUBMIT-OPTIONS...]: median ms of L jobs run one at a time
latency () {
    local uri=$1
    shift
    for i in $(seq 1 "$L"); do FLUX_URI=$uri client flux run "$@" true; done
    FLUX_URI=$uri flux jobs -a -n -o "{t_submit} {t_inactive}" |
        awk '{ printf "%.6f\n", ($2 - $1) * 1000 }' | median
    FLUX_URI=$uri flux job purge --force --num-limit=0 >/dev/null
}

child B B_ID

echo "N=$N trivial jobs, $RUNS runs, L=$L for latency;" \
    "target: a 1-core child instance; $(nproc) cores"

printf "%-4s %12s %12s %14s %14s %8s %8s\n" run direct_s delegated_s \
    direct_B_ms/job deleg_B_ms/job dir_kvs del_kvs
runs=$(mktemp)
: >"$runs"
stop_child "$B_ID"
for r in $(seq 1 "$RUNS"); do
    child B B_ID
    read -r ds dc dv < <(run_batch "$B")
    stop_child "$B_ID"
    child B B_ID
    source_start A2 id2 "$B"
    read -r gs gc gv < <(run_batch "$A2" --dependency=delegate:"$B")
    test "$r" -eq 1 && cpus="target B $(taskset -pc "$(FLUX_URI=$B flux getattr broker.pid)" |
        sed 's/.*: //'), source $(taskset -pc "$(FLUX_URI=$A2 flux getattr broker.pid)" |
        sed 's/.*: //')"
    stop_child "$id2"
    stop_child "$B_ID"
    echo "$ds $gs $dc $gc $dv $gv" >>"$runs"
    printf "%-4s %12.3f %12.3f %14.2f %14.2f %8.2f %8.2f\n" \
        "$r" "$ds" "$gs" "$dc" "$gc" "$dv" "$gv"
done
echo "CPUs: $cpus"
ds=$(col "$runs" 1)
gs=$(col "$runs" 2)
echo "throughput (median): direct $(echo "$N / $ds" | bc -l | xargs printf %.1f)" \
    "jobs/s, delegated $(echo "$N / $gs" | bc -l | xargs printf %.1f) jobs/s," \
    "ratio $(echo "$ds / $gs" | bc -l | xargs printf %.3f)" \
    "(per run: $(awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / $2 }' "$runs"))"
echo "target B per job (median): CPU direct $(col "$runs" 3 | xargs printf %.2f) ms," \
    "delegated $(col "$runs" 4 | xargs printf %.2f) ms; KVS root versions" \
    "direct $(col "$runs" 5 | xargs printf %.2f), delegated $(col "$runs" 6 | xargs printf %.2f)"
rm -f "$runs"

child B B_ID
source_start A2 id2 "$B"
dl=$(latency "$B")
gl=$(latency "$A2" --dependency=delegate:"$B")
FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
echo "latency (median of $L, one at a time): direct ${dl} ms," \
    "delegated ${gl} ms, added $(echo "$gl - $dl" | bc -l | xargs printf %.1f) ms"
flux cancel --all >/dev/null 2>&1 || true
