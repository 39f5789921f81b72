#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# throughput.sh - delegated against direct submission, and memory per job
#
#   [MEM_RUNS=3] throughput.sh DELEGATE_SO [N] [RUNS] [L]   (make -C bench throughput)
#
# In a throwaway instance of one broker on this machine's cores: a target
# B (1 core) and, one at a time, sources with delegate.so loaded (1 core
# each: each child instance is bound to its core, so B and the source do
# not share one; the CPUs are printed).
#
# Memory, first, MEM_RUNS times (default 3): in a fresh source, N local
# jobs held in DEPEND (after a job that does not end); in another fresh
# source, with B's queue stopped, N jobs delegated and in flight (pending
# on B, DEPEND on the source).  What the second broker's heap grew by
# less the first's, divided by N, is what delegation adds per job in
# flight in the job manager's process.  The heap in use is read with
# glibc's malloc_info(3) through gdb: RSS, which keeps what a burst freed,
# varied by more than 10 KiB per job between samples.  The KVS content
# added (flux module stats content) is given apart, and the part of the
# heap that is the KVS module's cache (flux module stats kvs).  Medians.
#
# Throughput: each run submits N trivial jobs ("true") directly to B,
# then N to the source delegated to B, and times each batch from the
# first submission until the queue is drained.  Medians of RUNS runs.
#
# Latency: L jobs one after the other (flux run), directly and delegated;
# the median of t_inactive - t_submit as flux jobs reports it.
#
# Only public tools: flux (start, submit, run, jobs, queue, cancel, job,
# jobtap, module stats), gdb, taskset, jq, bc.

set -e
plugin=$(realpath "${1:?usage: throughput.sh DELEGATE_SO [N] [RUNS] [L]}")
N=${2:-1000}
RUNS=${3:-3}
L=${4:-50}
MEM_RUNS=${MEM_RUNS:-3}

if test -z "$DELEGATE_BENCH_INNER"; then
    export DELEGATE_BENCH_INNER=1
    exec flux start --test-size=1 /bin/bash "$0" "$plugin" "$N" "$RUNS" "$L"
fi

# child URI-VAR ID-VAR: start a 1-core child instance, ready to run a job
child () {
    local _id _uri
    _id=$(flux submit -n1 -c1 flux start sleep inf)
    _uri=$(flux uri --local --wait "$_id")
    until FLUX_URI=$_uri flux resource list -s free -no {ncores} 2>/dev/null |
        grep -qx 1; do sleep 0.1; done
    eval "$1=\$_uri; $2=\$_id"
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

kvs_cache_bytes () {
    FLUX_URI=$1 flux module stats kvs |
        jq '.cache["obj size total (MiB)"] * 1048576 | floor'
}

content_kib () {
    FLUX_URI=$1 flux module stats content | jq '.size / 1024 | floor'
}

# heap_bytes URI: bytes in use in all malloc arenas of the broker at URI,
# as glibc's malloc_info(3) counts them (called through gdb): unlike RSS,
# it does not count freed memory the heap keeps.
heap_bytes () {
    local xml
    xml=$(mktemp)
    gdb -q -p "$(FLUX_URI=$1 flux getattr broker.pid)" -batch \
        -ex "set \$f = (void *) fopen(\"$xml\", \"w\")" \
        -ex 'call (int) malloc_info(0, $f)' \
        -ex 'call (int) fclose($f)' >/dev/null 2>&1
    # the last totals are those of all arenas
    awk -F'"' '/<total type="fast"/ { fast = $6 } /<total type="rest"/ { rest = $6 }
        /<total type="mmap"/ { mmap = $6 } /<system type="current"/ { cur = $4 }
        END { if (cur == "") exit 1; print cur - fast - rest + mmap }' "$xml"
    rm -f "$xml"
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

child B B_ID

echo "N=$N trivial jobs, $RUNS runs, L=$L for latency;" \
    "target: a 1-core child instance; $(nproc) cores"

# source_start URI-VAR ID-VAR: a child with the plugin loaded, whose link
# to B exists (one delegated job ran)
source_start () {
    child "$1" "$2"
    FLUX_URI=${!1} flux jobtap load "$plugin"
    FLUX_URI=${!1} flux run --dependency=delegate:"$B" true
}

# grow URI WAIT-CMD SUBMIT-ARGS...: submit N jobs to the source at URI,
# wait until WAIT-CMD (a shell condition) holds, print how many bytes of
# heap and of KVS content the source broker grew by
grow () {
    local uri=$1 cond=$2 h k c
    shift 2
    h=$(heap_bytes "$uri")
    k=$(content_kib "$uri")
    c=$(kvs_cache_bytes "$uri")
    FLUX_URI=$uri flux submit --quiet --cc=1-"$N" "$@" true
    for i in $(seq 1 600); do
        eval "$cond" && break
        sleep 0.5
    done
    eval "$cond" || { echo "memory: jobs not in place after 5 min" >&2; exit 1; }
    sleep 2
    echo "$(( $(heap_bytes "$uri") - h )) $(( ($(content_kib "$uri") - k) * 1024 ))" \
        "$(( $(kvs_cache_bytes "$uri") - c ))"
}

# count_state URI STATE: jobs of the instance at URI in STATE
count_state () {
    FLUX_URI=$1 flux jobs -n -f "$2" -o {id} | wc -l
}

pending_delegations () {
    FLUX_URI=$1 flux jobtap query delegate.so | jq '.delegations.pending // 0'
}

# One memory sample (see the top), each side in a fresh source; prints
# the bytes per job of heap and of KVS content that delegation adds.
memory_sample () {
    local S id blocker lh lk lc dh dk dc
    source_start S id
    blocker=$(FLUX_URI=$S flux submit sleep inf)
    FLUX_URI=$S flux job wait-event -t 30 "$blocker" start >/dev/null
    read -r lh lk lc < <(grow "$S" 'test "$(count_state $S depend)" -eq "$N"' \
        --dependency=afterany:"$blocker")
    flux cancel "$id" >/dev/null
    flux job wait-event -t 60 "$id" clean >/dev/null
    source_start S id
    FLUX_URI=$B flux queue stop >/dev/null
    read -r dh dk dc < <(grow "$S" 'test "$(pending_delegations $S)" -eq "$N"' \
        --dependency=delegate:"$B")
    FLUX_URI=$B flux cancel --all >/dev/null 2>&1
    FLUX_URI=$B flux queue start >/dev/null
    FLUX_URI=$B flux queue drain
    FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
    flux cancel "$id" >/dev/null
    flux job wait-event -t 60 "$id" clean >/dev/null
    echo "$(( (dh - lh) / N )) $(( (dk - lk) / N )) $(( (dc - lc) / N ))"
}

samples=$(mktemp)
for r in $(seq 1 "$MEM_RUNS"); do
    memory_sample >>"$samples"
    tail -n1 "$samples" | awk -v r="$r" '{ printf "memory sample %d:" \
        " %d bytes/job more heap (of which KVS module cache %d);" \
        " KVS content %d bytes/job more\n", r, $1, $3, $2 }'
done
echo "memory per delegated job in flight (median of $MEM_RUNS):" \
    "$(awk '{print $1}' "$samples" | median) bytes heap" \
    "(range $(awk '{print $1}' "$samples" | sort -g | head -1) to" \
    "$(awk '{print $1}' "$samples" | sort -g | tail -1))," \
    "$(awk '{print $3}' "$samples" | median) bytes of it KVS module cache;" \
    "$(awk '{print $2}' "$samples" | median) bytes KVS content"
rm -f "$samples"

source_start A2 id2
FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
echo "CPUs: target B $(taskset -pc "$(FLUX_URI=$B flux getattr broker.pid)" |
    sed 's/.*: //'), source $(taskset -pc "$(FLUX_URI=$A2 flux getattr broker.pid)" |
    sed 's/.*: //')"
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
