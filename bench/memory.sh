#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# memory.sh - the job manager's memory per job in flight, local and delegated
#
#   [MEM_RUNS=3] memory.sh DELEGATE_SO [N]   (make -C bench memory)
#
# In a throwaway instance of one broker on this machine's cores, child
# instances bound to one core each: a target B and, one at a time, fresh
# sources with delegate.so loaded.  Each source runs with one malloc arena per
# thread, and the bytes in use in its job manager's arenas (the module's
# thread and the plugin's link threads) are read with glibc's
# malloc_info(3) through gdb, before and after N jobs: divided by N,
# that is the job manager's memory per job; the difference between a
# delegated job and a local one in the same state is what delegation
# adds.  Two states, MEM_RUNS samples each (default 3), medians:
#
#   waiting   N local jobs held in DEPEND (after a job that does not
#             end), against N delegated jobs pending on a target whose
#             queue is stopped (DEPEND on the source)
#   running   N local jobs running "sleep inf", against N delegated jobs
#             whose remote jobs run "sleep inf"; the sources and the
#             target are given 1024 cores each (configured, not
#             checked) so that N jobs run at once
#
# Given beside it: what the whole broker's heap grew by (the KVS and
# content caches among it), and the KVS content (flux module stats
# content) and KVS module cache added.
#
# Only public tools: flux (start, submit, run, jobs, queue, cancel, job,
# jobtap, module stats), gdb (with its Python), jq, awk.

set -e
plugin=$(realpath "${1:?usage: memory.sh DELEGATE_SO [N]}")
N=${2:-1000}
MEM_RUNS=${MEM_RUNS:-3}

. "$(dirname "$0")/lib.sh"

if test -z "$DELEGATE_BENCH_INNER"; then
    export DELEGATE_BENCH_INNER=1
    exec flux start --test-size=1 /bin/bash "$0" "$plugin" "$N"
fi

kvs_cache_bytes () {
    FLUX_URI=$1 flux module stats kvs |
        jq '.cache["obj size total (MiB)"] * 1048576 | floor'
}

content_kib () {
    FLUX_URI=$1 flux module stats content | jq '.size / 1024 | floor'
}

# grow URI WAIT-CMD SUBMIT-ARGS...: submit N jobs (flux submit
# SUBMIT-ARGS, the command included) to the source at URI, wait until
# WAIT-CMD (a shell condition) holds, print how many bytes the
# source broker's heap, its job manager's arena, its KVS content and its
# KVS module cache grew by
grow () {
    local uri=$1 cond=$2 h j k c h1 j1
    shift 2
    read -r h j < <(heap_bytes "$uri")
    k=$(content_kib "$uri")
    c=$(kvs_cache_bytes "$uri")
    FLUX_URI=$uri flux submit --quiet --cc=1-"$N" "$@"
    wait_for "$cond" 300 || exit 1
    sleep 2
    read -r h1 j1 < <(heap_bytes "$uri")
    echo "$((h1 - h)) $((j1 - j)) $(( ($(content_kib "$uri") - k) * 1024 ))" \
        "$(( $(kvs_cache_bytes "$uri") - c ))"
}

# count_state URI STATE: jobs of the instance at URI in STATE
count_state () {
    FLUX_URI=$1 flux jobs -n -f "$2" -o {id} | wc -l
}

# all_started URI: N jobs of the instance at URI run, and the last one
# submitted started (they start in order)
all_started () {
    test "$(count_state "$1" run)" -eq "$N" && last_started "$1" 60
}

# per_job LH LJ LK LC DH DJ DK DC: a sample's line (see sample_waiting)
# from what grow printed for the local jobs and for the delegated ones
per_job () {
    echo "$(($2 / N)) $(($6 / N)) $(( ($5 - $1) / N )) $(( ($7 - $3) / N ))" \
        "$(( ($8 - $4) / N ))"
}

ARENAS=--env=GLIBC_TUNABLES=glibc.malloc.arena_max=64

# One sample of the waiting state (see the top); prints, in bytes per
# job: the job manager's arena for a local job and for a delegated one,
# then what delegation adds to the whole heap, to the KVS content and to
# the KVS module cache
sample_waiting () {
    local S id blocker lh lj lk lc dh dj dk dc
    source_start S id "$B" "$ARENAS"
    blocker=$(FLUX_URI=$S flux submit sleep inf)
    FLUX_URI=$S flux job wait-event -t 30 "$blocker" start >/dev/null
    read -r lh lj lk lc < <(grow "$S" 'test "$(count_state $S depend)" -eq "$N"' \
        --dependency=afterany:"$blocker" true)
    stop_child "$id"
    source_start S id "$B" "$ARENAS"
    FLUX_URI=$B flux queue stop >/dev/null
    read -r dh dj dk dc < <(grow "$S" 'test "$(delegations $S pending)" -eq "$N"' \
        --dependency=delegate:"$B" true)
    FLUX_URI=$B flux cancel --all >/dev/null 2>&1
    FLUX_URI=$B flux queue start >/dev/null
    FLUX_URI=$B flux queue drain
    FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
    stop_child "$id"
    per_job "$lh" "$lj" "$lk" "$lc" "$dh" "$dj" "$dk" "$dc"
}

# One sample of the running state (see the top), printed as above;
# B and the sources are given 1024 cores (CHILD_CONF)
sample_running () {
    local S id lh lj lk lc dh dj dk dc
    source_start S id "$B" "$ARENAS"
    read -r lh lj lk lc < <(grow "$S" 'all_started $S' sleep inf)
    FLUX_URI=$S flux cancel --all >/dev/null 2>&1
    FLUX_URI=$S flux queue drain  # else S's end leaves their tasks behind
    stop_child "$id"
    source_start S id "$B" "$ARENAS"
    read -r dh dj dk dc < <(grow "$S" 'test "$(delegations $S running)" -eq "$N"' \
        --dependency=delegate:"$B" sleep inf)
    FLUX_URI=$B flux cancel --all >/dev/null 2>&1
    FLUX_URI=$S flux queue drain
    FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
    stop_child "$id"
    per_job "$lh" "$lj" "$lk" "$lc" "$dh" "$dj" "$dk" "$dc"
}

kib () { awk '{ printf "%.1f", $1 / 1024 }'; }

# report STATE FILE: the medians of the samples in FILE
report () {
    local added
    added=$(awk '{ print $2 - $1 }' "$2" | sort -g)  # delegated - local
    echo "$1: memory per job in flight, median of $MEM_RUNS:" \
        "job manager arena: local $(col "$2" 1 | kib) KiB, delegated $(col "$2" 2 | kib) KiB," \
        "delegation adds $(median <<<"$added" | kib) KiB" \
        "(range $(head -n1 <<<"$added" | kib) to $(tail -n1 <<<"$added" | kib));" \
        "whole broker heap $(col "$2" 3 | kib) KiB, KVS content $(col "$2" 4 | kib) KiB," \
        "KVS cache $(col "$2" 5 | kib) KiB more"
}

conf=$(mktemp)
fake_cores "$conf" 1024
echo "N=$N jobs in flight, $MEM_RUNS samples of each state; $(nproc) cores"
for state in waiting running; do
    test "$state" = running && export CHILD_CONF=$conf CHILD_CORES=1024
    child B B_ID
    samples=$(mktemp)
    for r in $(seq 1 "$MEM_RUNS"); do
        "sample_$state" >>"$samples"
        tail -n1 "$samples" | awk -v s="$state" -v r="$r" '{
            printf "%s, sample %d, bytes per job: job manager arena: local %d," \
            " delegated %d (%+d); whole heap %+d; KVS content %+d; KVS cache %+d\n",
            s, r, $1, $2, $2 - $1, $3, $4, $5 }'
    done
    report "$state" "$samples"
    rm -f "$samples"
    stop_child "$B_ID"
done
rm -f "$conf"
