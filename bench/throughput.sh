#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# throughput.sh - delegated against direct submission, and memory per job
#
#   throughput.sh DELEGATE_SO [N] [RUNS] [L]    (make -C bench throughput)
#
# In a throwaway instance: a target B (1 core) and sources A1, A2 (1 core
# each) with delegate.so loaded.
#
# Memory, first, in fresh instances: with B's queue stopped, N jobs
# delegated from A2 stay in flight (pending on B, DEPEND on A2), and N
# local jobs in A1 stay in DEPEND too (after a job that does not end).
# The growth of A2's broker RSS less that of A1, divided by N, is what
# delegation adds per job in flight, in the job manager's process.
#
# Throughput: each run submits N trivial jobs ("true") directly to B,
# then N to A2 delegated to B, and times each batch from the first
# submission until the queue is drained.  Medians of RUNS runs.
#
# Latency: L jobs one after the other (flux run), directly and delegated;
# the median of t_inactive - t_submit as flux jobs reports it.
#
# Only public tools: flux start, flux submit, flux run, flux jobs,
# flux queue, ps.

set -e
plugin=$(realpath "${1:?usage: throughput.sh DELEGATE_SO [N] [RUNS] [L]}")
N=${2:-1000}
RUNS=${3:-3}
L=${4:-50}

if test -z "$DELEGATE_BENCH_INNER"; then
    export DELEGATE_BENCH_INNER=1
    exec flux start --test-size=2 /bin/bash "$0" "$plugin" "$N" "$RUNS" "$L"
fi

child () {
    local uri
    uri=$(flux uri --local --wait "$(flux submit -n1 -c1 flux start sleep inf)")
    until FLUX_URI=$uri flux resource list -s free -no {ncores} 2>/dev/null |
        grep -qx 1; do sleep 0.1; done
    echo "$uri"
}

# median of the numbers on stdin
median () {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

now () { date +%s.%N; }

# run_batch URI [SUBMIT-OPTIONS...]: print the seconds N jobs took
run_batch () {
    local uri=$1 t0 t1
    shift
    t0=$(now)
    FLUX_URI=$uri flux submit --quiet --cc=1-"$N" "$@" true
    FLUX_URI=$uri flux queue drain
    t1=$(now)
    FLUX_URI=$uri flux job purge --force --num-limit=0 >/dev/null
    echo "$t1 - $t0" | bc -l
}

content_kib () {
    FLUX_URI=$1 flux module stats content | jq '.size / 1024 | floor'
}

rss_kib () {
    ps -o rss= -p "$(FLUX_URI=$1 flux getattr broker.pid)" | tr -d ' '
}

# latency URI [SUBMIT-OPTIONS...]: median ms of L jobs run one at a time
latency () {
    local uri=$1
    shift
    for i in $(seq 1 "$L"); do FLUX_URI=$uri flux run "$@" true; done
    FLUX_URI=$uri flux jobs -a -n -o "{t_submit} {t_inactive}" |
        awk '{ printf "%.6f\n", ($2 - $1) * 1000 }' | median
    FLUX_URI=$uri flux job purge --force --num-limit=0 >/dev/null
}

B=$(child)
A1=$(child)
A2=$(child)
for a in $A1 $A2; do
    FLUX_URI=$a flux jobtap load "$plugin"
    # warm up: the link to B exists before anything is measured
    FLUX_URI=$a flux run --dependency=delegate:"$B" true
done
FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null

echo "N=$N trivial jobs, $RUNS runs, L=$L for latency;" \
    "target: a 1-core child instance; $(nproc) cores"

FLUX_URI=$B flux queue stop >/dev/null
blocker=$(FLUX_URI=$A1 flux submit sleep inf)
FLUX_URI=$A1 flux job wait-event -t 30 "$blocker" start
r1=$(rss_kib "$A1")
r2=$(rss_kib "$A2")
c1=$(content_kib "$A1")
c2=$(content_kib "$A2")
FLUX_URI=$A1 flux submit --quiet --cc=1-"$N" --dependency=afterany:"$blocker" true
FLUX_URI=$A2 flux submit --quiet --cc=1-"$N" --dependency=delegate:"$B" true
until test "$(FLUX_URI=$A2 flux jobtap query delegate.so |
    jq '.delegations.pending // 0')" -eq "$N"; do sleep 0.5; done
sleep 2
d1=$(( $(rss_kib "$A1") - r1 ))
d2=$(( $(rss_kib "$A2") - r2 ))
k1=$(( $(content_kib "$A1") - c1 ))
k2=$(( $(content_kib "$A2") - c2 ))
echo "memory: $N local jobs in DEPEND +${d1} KiB RSS (KVS content cache" \
    "+${k1} KiB), $N delegated in flight +${d2} KiB RSS (content +${k2} KiB)"
echo "per delegated job: $(echo "($d2 - $d1) * 1024 / $N" | bc) bytes more RSS," \
    "of which $(echo "($k2 - $k1) * 1024 / $N" | bc) bytes KVS content;" \
    "other: $(echo "(($d2 - $d1) - ($k2 - $k1)) * 1024 / $N" | bc) bytes"
FLUX_URI=$A1 flux cancel --all --quiet 2>/dev/null || FLUX_URI=$A1 flux cancel --all
FLUX_URI=$A2 flux cancel --all >/dev/null 2>&1
FLUX_URI=$B flux cancel --all >/dev/null 2>&1
FLUX_URI=$B flux queue start >/dev/null
for a in $A1 $A2 $B; do
    FLUX_URI=$a flux queue drain
    FLUX_URI=$a flux job purge --force --num-limit=0 >/dev/null
done

printf "%-4s %12s %12s\n" run direct_s delegated_s
runs=$(mktemp)
: >"$runs"
for r in $(seq 1 "$RUNS"); do
    ds=$(run_batch "$B")
    gs=$(run_batch "$A2" --dependency=delegate:"$B")
    FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
    printf "%-4s %12.3f %12.3f\n" "$r" "$ds" "$gs"
    echo "$ds $gs" >>"$runs"
done
ds=$(awk '{print $1}' "$runs" | median)
gs=$(awk '{print $2}' "$runs" | median)
rm -f "$runs"
echo "throughput (median): direct $(echo "$N / $ds" | bc -l | xargs printf %.1f)" \
    "jobs/s, delegated $(echo "$N / $gs" | bc -l | xargs printf %.1f) jobs/s," \
    "ratio $(echo "$ds / $gs" | bc -l | xargs printf %.3f)"

dl=$(latency "$B")
gl=$(latency "$A2" --dependency=delegate:"$B")
FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
echo "latency (median of $L, one at a time): direct ${dl} ms," \
    "delegated ${gl} ms, added $(echo "$gl - $dl" | bc -l | xargs printf %.1f) ms"
flux cancel --all >/dev/null 2>&1 || true
