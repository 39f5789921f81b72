#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# throughput.sh - delegated against direct submission: throughput, latency
#
#   throughput.sh DELEGATE_SO [N] [RUNS] [L]   (make -C bench throughput)
#
# With ACCEPT=1 in the environment (make -C bench throughput ACCEPT=1),
# B loads delegate.so with a [delegate-accept] table, in the direct
# batches as in the delegated ones (as a site would run it): the copies
# go by the accept request instead of a held submission (accept.h).
#
# In a throwaway instance of one broker on this machine's cores: a target
# B (1 core) and, one at a time, sources with delegate.so loaded (1 core
# each: each child instance is bound to its core, so B and the source do
# not share one; the CPUs are printed).  Memory: see memory.sh.
#
# Throughput: each run times two batches of N trivial jobs ("true"),
# each from the first submission until the queue is drained: directly to
# B, and delegated to B through a source (odd runs direct first, even
# runs delegated first).  Each batch has a fresh B (and source): B's CPU
# per job grows with what it ran before (from 30 to 36 ms over 3200
# jobs, purged as they went), which would favour whichever way runs
# second.  The clients (submit, drain, run) run off B's CPU, with the
# source: else, in the delegated batch, they took B's CPU while the
# source held the other.  Medians of RUNS runs.  Also printed:
#   - B's CPU time per job (its broker's threads and the job shells),
#     and the KVS root versions B made per job (one per commit it
#     applied);
#   - the source's CPU time per job, and the messages per job between
#     B and the source (the plugin's link: requests and responses, as
#     B's local connector counts them);
#   - what delegation adds to B's CPU per job, thread by thread (B's
#     modules each run in a thread named after them; "flux-broker-0"
#     is the broker's own, which routes every message).
#
# Latency: L jobs one after the other (flux run), directly and delegated;
# the median of t_inactive - t_submit as flux jobs reports it.
#
# Only public tools: flux (start, submit, run, jobs, queue, cancel, job,
# jobtap, module stats), taskset, jq, bc, getconf, join; /proc.

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

# target_start: a fresh B (see child, lib.sh), accepting if ACCEPT=1
target_start () {
    child B B_ID
    if test "${ACCEPT:-0}" = 1; then
        FLUX_URI=$B flux jobtap load "$plugin" >/dev/null &&
        printf "[delegate-accept]\n" >"$work/accept.toml" &&
        FLUX_URI=$B flux config load "$work/accept.toml"
    fi
}

# cpus_of URI: the CPUs the broker at URI may run on (taskset's list)
cpus_of () {
    taskset -pc "$(FLUX_URI=$1 flux getattr broker.pid)" | sed 's/.*: //'
}

# client CMD...: run CMD (a client of the instances: submit, drain, run)
# off B's CPU, where the source runs, as a user would on another machine
client () {
    local b
    b=$(cpus_of "$B")
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

# threads URI: "NAME TICKS" for the threads of the broker at URI by name
# (its modules' threads are named after them; threads of one name are
# summed), and "job-shells" for the processes it started and reaped
threads () {
    local pid t
    pid=$(FLUX_URI=$1 flux getattr broker.pid)
    for t in /proc/"$pid"/task/*; do
        echo "$(tr ' ' _ <"$t"/comm) $(awk '{ print $14 + $15 }' "$t"/stat)"
    done | awk '{ n[$1] += $2 } END { for (k in n) print k, n[k] }'
    echo "job-shells $(awk '{ print $16 + $17 }' /proc/"$pid"/stat)"
}

# messages: the messages between B and the source's broker so far (the
# plugin's link: requests and responses), as B's local connector counts them
messages () {
    FLUX_URI=$B flux module stats connector-local | jq --argjson pid \
        "$(FLUX_URI=$A2 flux getattr broker.pid)" \
        '[.server.clients[] | select(.pid == $pid) | .txcount + .rxcount] | add // 0'
}

# run_batch URI OUT [SUBMIT-OPTIONS...]: submit N jobs to the instance at
# URI, wait until its queue is drained, print the seconds that took, B's
# CPU milliseconds and KVS root versions per job, and for a source (URI
# is not B) its CPU milliseconds and its messages with B per job; write
# B's CPU milliseconds per job by thread to OUT; then purge the jobs from
# the instance and from B
run_batch () {
    local uri=$1 out=$2 t0 t1 c0 c1 v0 v1 s0 s1 m0 m1 extra="- -"
    shift 2
    threads "$B" >"$out.0"
    c0=$(cpu_ticks "$B")
    v0=$(kvs_versions)
    test "$uri" = "$B" || { s0=$(cpu_ticks "$uri"); m0=$(messages); }
    t0=$(now)
    FLUX_URI=$uri client flux submit --quiet --cc=1-"$N" "$@" true
    FLUX_URI=$uri client flux queue drain
    t1=$(now)
    threads "$B" >"$out.1"
    c1=$(cpu_ticks "$B")
    v1=$(kvs_versions)
    if test "$uri" != "$B"; then
        s1=$(cpu_ticks "$uri")
        m1=$(messages)
        extra="$(ms_per_job "$s0" "$s1") $(echo "($m1 - $m0) / $N" | bc -l)"
    fi
    FLUX_URI=$uri flux job purge --force --num-limit=0 >/dev/null
    FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
    join <(sort "$out.0") <(sort "$out.1") |
        while read -r name a b; do echo "$name $(ms_per_job "$a" "$b")"; done >"$out"
    rm -f "$out.0" "$out.1"
    echo "$(echo "$t1 - $t0" | bc -l)" "$(ms_per_job "$c0" "$c1")" \
        "$(echo "($v1 - $v0) / $N" | bc -l)" "$extra"
}

# ms_per_job TICKS0 TICKS1: CPU milliseconds per job between two readings
ms_per_job () {
    echo "($2 - $1) * 1000 / $(getconf CLK_TCK) / $N" | bc -l
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

echo "N=$N trivial jobs, $RUNS runs, L=$L for latency;" \
    "target: a 1-core child instance$(test "${ACCEPT:-0}" = 1 &&
        echo ' accepting delegated jobs'); $(nproc) cores"

printf "%-4s %12s %12s %14s %14s %8s %8s %13s %9s\n" run direct_s delegated_s \
    direct_B_ms/job deleg_B_ms/job dir_kvs del_kvs source_ms/job msgs/job
work=$(mktemp -d)
: >"$work/runs"
for r in $(seq 1 "$RUNS"); do
    # odd runs direct first, even runs delegated first, so that a drift
    # of the machine's speed over a run favours neither way
    for way in $(if test $((r % 2)) = 1; then echo direct delegated; else echo delegated direct; fi); do
        target_start
        if test "$way" = direct; then
            read -r ds dc dv _ < <(run_batch "$B" "$work/direct.$r")
        else
            source_start A2 id2 "$B"
            read -r gs gc gv sc gm < <(run_batch "$A2" "$work/delegated.$r" \
                --dependency=delegate:"$B")
            test "$r" -eq 1 && cpus="target B $(cpus_of "$B"), source $(cpus_of "$A2")"
            stop_child "$id2"
        fi
        stop_child "$B_ID"
    done
    echo "$ds $gs $dc $gc $dv $gv $sc $gm" >>"$work/runs"
    printf "%-4s %12.3f %12.3f %14.2f %14.2f %8.2f %8.2f %13.2f %9.2f\n" \
        "$r" "$ds" "$gs" "$dc" "$gc" "$dv" "$gv" "$sc" "$gm"
    join "$work/direct.$r" "$work/delegated.$r" |
        awk -v r="$r" '{ printf "%s %s %.4f\n", r, $1, $3 - $2 }' >>"$work/added"
done
echo "CPUs: $cpus"
ds=$(col "$work/runs" 1)
gs=$(col "$work/runs" 2)
echo "throughput (median): direct $(echo "$N / $ds" | bc -l | xargs printf %.1f)" \
    "jobs/s, delegated $(echo "$N / $gs" | bc -l | xargs printf %.1f) jobs/s," \
    "ratio $(echo "$ds / $gs" | bc -l | xargs printf %.3f)" \
    "(per run: $(awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / $2 }' "$work/runs"))"
echo "target B per job (median): CPU direct $(col "$work/runs" 3 | xargs printf %.2f) ms," \
    "delegated $(col "$work/runs" 4 | xargs printf %.2f) ms; KVS root versions" \
    "direct $(col "$work/runs" 5 | xargs printf %.2f), delegated $(col "$work/runs" 6 | xargs printf %.2f)"
echo "source per delegated job (median): CPU $(col "$work/runs" 7 | xargs printf %.2f) ms," \
    "$(col "$work/runs" 8 | xargs printf %.2f) messages with B"
# B's CPU that delegation adds per job, by thread: the median over runs
# of (delegated - direct), for the threads where it reaches 0.05 ms
printf "B's CPU added per delegated job, by thread (median of the runs' differences):"
for name in $(awk '{ print $2 }' "$work/added" | sort -u); do
    awk -v n="$name" '$2 == n { print $3 }' "$work/added" | median |
        awk -v n="$name" '$1 >= 0.05 || $1 <= -0.05 { printf " %s %+.2f ms", n, $1 }'
done
echo

target_start
source_start A2 id2 "$B"
dl=$(latency "$B")
gl=$(latency "$A2" --dependency=delegate:"$B")
FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
echo "latency (median of $L, one at a time): direct ${dl} ms," \
    "delegated ${gl} ms, added $(echo "$gl - $dl" | bc -l | xargs printf %.1f) ms"
rm -rf "$work"
flux cancel --all >/dev/null 2>&1 || true
