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
# on B, DEPEND on the source).  Each source runs with one malloc arena
# per thread, and the bytes in use in its job manager's arenas (the
# module's thread and the plugin's link threads) are read with glibc's
# malloc_info(3) through gdb, before and after: divided by N, that is
# the job manager's memory per job, local and delegated; the difference
# is what delegation adds.  Given beside it: what the whole broker's heap
# grew by (the KVS and content caches among it), and the KVS content
# (flux module stats content) and KVS module cache added.  Medians.
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
# jobtap, module stats), gdb (with its Python), taskset, jq, bc, getconf.

set -e
plugin=$(realpath "${1:?usage: throughput.sh DELEGATE_SO [N] [RUNS] [L]}")
N=${2:-1000}
RUNS=${3:-3}
L=${4:-50}
MEM_RUNS=${MEM_RUNS:-3}

. "$(dirname "$0")/lib.sh"

if test -z "$DELEGATE_BENCH_INNER"; then
    export DELEGATE_BENCH_INNER=1
    exec flux start --test-size=1 /bin/bash "$0" "$plugin" "$N" "$RUNS" "$L"
fi

# median of the numbers on stdin
median () {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# col FILE N: the median of column N of FILE
col () {
    awk -v c="$2" '{ print $c }' "$1" | median
}

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

kvs_cache_bytes () {
    FLUX_URI=$1 flux module stats kvs |
        jq '.cache["obj size total (MiB)"] * 1048576 | floor'
}

content_kib () {
    FLUX_URI=$1 flux module stats content | jq '.size / 1024 | floor'
}

# arenas FILE: "NR BYTES" for each malloc arena in a malloc_info(3)
# document: its size less its free chunks (fast bins, bins and top)
arenas () {
    awk -F'"' '/<heap nr=/ { nr = $2; fast = rest = 0 }
        /<total type="fast"/ && nr != "" { fast = $6 }
        /<total type="rest"/ && nr != "" { rest = $6 }
        /<system type="current"/ && nr != "" { print nr, $4 - fast - rest; nr = "" }' "$1"
}

# heap_bytes URI: "ALL JM", the bytes in use in all malloc arenas of the
# broker at URI and in the arenas of its job manager, as glibc's
# malloc_info(3) counts them, called through gdb with the broker's
# threads stopped.  The job manager's threads are those named job-manager:
# the module's own and the link threads delegate.so starts (a thread
# takes its creator's name).  Their arenas are those a 64 KiB malloc()
# made in each of them grows.  A source is started with one arena per
# thread (see memory_sample), so these arenas hold what the job manager
# and its plugins allocated and nothing else.  Unlike RSS, freed memory
# the heap keeps is not counted.
heap_bytes () {
    local d pid
    d=$(mktemp -d)
    pid=$(FLUX_URI=$1 flux getattr broker.pid)
    cat >"$d/cmds" <<EOT
set scheduler-locking on
python
jm = [t for t in gdb.selected_inferior().threads() if t.name == "job-manager"]
def info(name):
    jm[0].switch()
    gdb.execute('set \$f = (void *) fopen("$d/%s", "w")' % name)
    gdb.execute("call (int) malloc_info(0, \$f)")
    gdb.execute("call (int) fclose(\$f)")
info("before")
marks = []
for t in jm:
    t.switch()
    marks.append(int(gdb.parse_and_eval("(long) malloc(65536)")))
info("after")
for m in marks:
    gdb.execute("call (void) free(%d)" % m)
end
EOT
    timeout 120 gdb -q -p "$pid" -batch -x "$d/cmds" >"$d/log" 2>&1 || true
    arenas "$d/before" >"$d/1"
    arenas "$d/after" >"$d/2"
    paste "$d/1" "$d/2" | awk '{ all += $2 } $4 - $2 >= 65536 { jm += $2; n++ }
        END { if (n == 0) exit 1; print all, jm }' || {
        echo "heap_bytes: no job-manager arena found (gdb: $(tail -n1 "$d/log"))" >&2
        rm -rf "$d"
        return 1
    }
    rm -rf "$d"
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

# source_start URI-VAR ID-VAR [SUBMIT-OPTIONS...]: a child with the
# plugin loaded, whose link to B exists (one delegated job ran)
source_start () {
    child "$@"
    FLUX_URI=${!1} flux jobtap load "$plugin"
    FLUX_URI=${!1} flux run --dependency=delegate:"$B" true
}

# grow URI WAIT-CMD SUBMIT-ARGS...: submit N jobs to the source at URI,
# wait until WAIT-CMD (a shell condition) holds, print how many bytes the
# source broker's heap, its job manager's arena, its KVS content and its
# KVS module cache grew by
grow () {
    local uri=$1 cond=$2 h j k c h1 j1
    shift 2
    read -r h j < <(heap_bytes "$uri")
    k=$(content_kib "$uri")
    c=$(kvs_cache_bytes "$uri")
    FLUX_URI=$uri flux submit --quiet --cc=1-"$N" "$@" true
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

pending_delegations () {
    FLUX_URI=$1 flux jobtap query delegate.so | jq '.delegations.pending // 0'
}

# One memory sample (see the top), each side in a fresh source with one
# malloc arena per thread; prints, in bytes per job: the job manager's
# arena for a local job and for a delegated one, then what delegation
# adds to the whole heap, to the KVS content and to the KVS module cache
memory_sample () {
    local S id blocker arenas lh lj lk lc dh dj dk dc
    arenas=--env=GLIBC_TUNABLES=glibc.malloc.arena_max=64
    source_start S id "$arenas"
    blocker=$(FLUX_URI=$S flux submit sleep inf)
    FLUX_URI=$S flux job wait-event -t 30 "$blocker" start >/dev/null
    read -r lh lj lk lc < <(grow "$S" 'test "$(count_state $S depend)" -eq "$N"' \
        --dependency=afterany:"$blocker")
    flux cancel "$id" >/dev/null
    flux job wait-event -t 60 "$id" clean >/dev/null
    source_start S id "$arenas"
    FLUX_URI=$B flux queue stop >/dev/null
    read -r dh dj dk dc < <(grow "$S" 'test "$(pending_delegations $S)" -eq "$N"' \
        --dependency=delegate:"$B")
    FLUX_URI=$B flux cancel --all >/dev/null 2>&1
    FLUX_URI=$B flux queue start >/dev/null
    FLUX_URI=$B flux queue drain
    FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
    flux cancel "$id" >/dev/null
    flux job wait-event -t 60 "$id" clean >/dev/null
    echo "$((lj / N)) $((dj / N)) $(( (dh - lh) / N )) $(( (dk - lk) / N ))" \
        "$(( (dc - lc) / N ))"
}

kib () { awk '{ printf "%.1f", $1 / 1024 }'; }

samples=$(mktemp)
for r in $(seq 1 "$MEM_RUNS"); do
    memory_sample >>"$samples"
    tail -n1 "$samples" | awk -v r="$r" '{ printf "memory sample %d, bytes per job:" \
        " job manager arena: local %d, delegated %d (%+d);" \
        " whole heap %+d; KVS content %+d; KVS cache %+d\n", \
        r, $1, $2, $2 - $1, $3, $4, $5 }'
done
echo "memory per job in flight, median of $MEM_RUNS:" \
    "job manager arena: local $(col "$samples" 1 | kib) KiB, delegated $(col "$samples" 2 | kib) KiB," \
    "delegation adds $(awk '{ print $2 - $1 }' "$samples" | median | kib) KiB" \
    "(range $(awk '{ print $2 - $1 }' "$samples" | sort -g | head -1 | kib) to" \
    "$(awk '{ print $2 - $1 }' "$samples" | sort -g | tail -1 | kib));" \
    "whole broker heap $(col "$samples" 3 | kib) KiB, KVS content $(col "$samples" 4 | kib) KiB," \
    "KVS cache $(col "$samples" 5 | kib) KiB more"
rm -f "$samples"

# stop_child ID: end the child instance that is job ID
stop_child () {
    flux cancel "$1" >/dev/null
    flux job wait-event -t 60 "$1" clean >/dev/null
}

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
    source_start A2 id2
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
source_start A2 id2
dl=$(latency "$B")
gl=$(latency "$A2" --dependency=delegate:"$B")
FLUX_URI=$B flux job purge --force --num-limit=0 >/dev/null
echo "latency (median of $L, one at a time): direct ${dl} ms," \
    "delegated ${gl} ms, added $(echo "$gl - $dl" | bc -l | xargs printf %.1f) ms"
flux cancel --all >/dev/null 2>&1 || true
