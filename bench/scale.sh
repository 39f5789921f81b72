#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# scale.sh - the source's cost per delegated job with many jobs in flight
#
#   [N_SMALL=1000] [N_LARGE=10000] [RUNS=3] [Q=7] [LOCAL=1] [ROUTE=round_robin] \
#       scale.sh DELEGATE_SO CMD_DIR                 (make -C bench scale)
#
# In a throwaway instance of one broker on this machine, given 8 cores
# (configured, not checked, so that the five child instances below each
# have one; they float over the real CPUs): four targets, each a child
# instance of one core kept busy by a "sleep inf" job, so the jobs
# delegated there stay pending; and a source, a child instance with
# delegate.so loaded and the four targets configured ([[delegate]],
# labels t0..t3), its broker with one malloc arena per thread.  Each
# size N (N_SMALL, then N_LARGE), in each of RUNS runs, has fresh
# instances.  N jobs ("true") are submitted to the source with
# --dependency=delegate:round_robin, so each target gets N/4 (ROUTE=VALUE
# in the environment: --dependency=delegate:VALUE instead, e.g. ROUTE=t0
# for the first target's label); then:
#
#   CPU   the CPU time (utime + stime, /proc/PID/task/TID/stat) of the
#         source broker's job manager thread (comm "job-manager") and of
#         the plugin's link threads ("delegate-link", or "job-manager"
#         where they take their creator's name), from just before the
#         submission until the plugin's query shows N delegations
#         "pending", then from "flux cancel --all" until its
#         "delegations" object is empty and the queue is drained, each
#         window closed once the broker is idle (under 5% of a CPU over a
#         second: the commits of the jobs' events are in); per job: the
#         sum divided by N.  A thread that ends between two
#         readings takes its CPU with it: such threads are counted and
#         printed (none are expected: the links of configured targets
#         stay), and the whole broker process's CPU (which keeps that of
#         ended threads) is given beside.  What is measured while the
#         jobs wait (below) is left out of the window.
#   memory  while the N jobs wait: what the job manager's malloc arenas
#         (heap_bytes in lib.sh: malloc_info(3) through gdb) grew by
#         since before the submission, per job.
#   query  while the N jobs wait: Q times each, the plugin.query RPC
#         alone (job-manager.jobtap-query, timed in one Python process
#         around the RPC), and the wall time of the commands
#         "flux jobtap query delegate.so" (Python: its start included)
#         and "flux delegate list" (C); medians.
#
# With LOCAL=1 (the default), each run also takes N local jobs through
# the same steps on a fresh source (held in DEPEND after a "sleep inf"
# job on its one core, then cancelled, until the queue is drained): the
# job manager's CPU and memory for a job that is not delegated.  The
# memory delegation adds is the delegated figure less the local one, as
# in memory.sh.
#
# Printed: a line per run and size, then a table of medians of the runs
# (CPU ratio N_LARGE/N_SMALL) and the load average.
#
# Only public tools: flux (start, submit, jobs, job, queue, cancel,
# config, jobtap, delegate, python), gdb (with its Python), jq, awk;
# /proc.

set -e
plugin=$(realpath "${1:?usage: scale.sh DELEGATE_SO CMD_DIR}")
cmddir=$(realpath "${2:?usage: scale.sh DELEGATE_SO CMD_DIR}")
N_SMALL=${N_SMALL:-1000}
N_LARGE=${N_LARGE:-10000}
RUNS=${RUNS:-3}
Q=${Q:-7}
LOCAL=${LOCAL:-1}
ROUTE=${ROUTE:-round_robin}
TARGETS=4

. "$(dirname "$0")/lib.sh"

if test -z "$DELEGATE_BENCH_INNER"; then
    export DELEGATE_BENCH_INNER=1 N_SMALL N_LARGE RUNS Q LOCAL ROUTE
    conf=$(mktemp)
    fake_cores "$conf" $((TARGETS + 4))
    rc=0
    flux start --test-size=1 -o,--config-path="$conf" \
        /bin/bash "$0" "$plugin" "$cmddir" || rc=$?
    rm -f "$conf"
    exit $rc
fi

export FLUX_EXEC_PATH=$cmddir${FLUX_EXEC_PATH:+:$FLUX_EXEC_PATH}
work=$(mktemp -d)

# Whatever happens, end the child instances (and so their jobs) before
# the throwaway instance goes; its own shutdown would do it too.
cleanup () {
    flux cancel --all >/dev/null 2>&1 || true
    flux queue drain --timeout=300 >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# A child's job shell would bind it to its configured core, which may
# not exist here
NOBIND=(-o cpu-affinity=off)
ARENAS=--env=GLIBC_TUNABLES=glibc.malloc.arena_max=64

now () { date +%s.%N; }

# bound N: seconds a phase with N jobs may take (a generous bound, so
# that a stuck run fails rather than hangs)
bound () { echo $((120 + $1 / 10)); }

# cpu_read URI FILE: the broker at URI's threads, "TID COMM TICKS" (utime
# + stime, read after the comm's closing parenthesis), and a last line
# "total - TICKS" for the whole process (ended threads included)
cpu_read () {
    local pid t
    pid=$(FLUX_URI=$1 flux getattr broker.pid)
    for t in /proc/"$pid"/task/*; do
        echo "${t##*/} $(tr ' ' _ <"$t"/comm) $(sed 's/.*) //' "$t"/stat |
            awk '{ print $12 + $13 }')"
    done 2>/dev/null | awk 'NF == 3' >"$2"
    echo "total - $(sed 's/.*) //' /proc/"$pid"/stat | awk '{ print $12 + $13 }')" >>"$2"
}

# cpu_delta BEFORE AFTER: "JM ENDED TOTAL", the ticks of the job manager
# and link threads between two readings (a thread started in between
# counts from zero; one ended in between is lost, and counted in ENDED),
# and those of the whole process
cpu_delta () {
    awk 'function jm(c) { return c == "job-manager" || c == "delegate-link" }
        FNR == NR { if ($1 == "total") t0 = $3; else { c0[$1] = $2; v0[$1] = $3 }; next }
        $1 == "total" { t1 = $3; next }
        { seen[$1] = 1; if (jm($2) || jm(c0[$1])) d += $3 - v0[$1] }
        END { for (k in c0) if (!(k in seen) && jm(c0[k])) ended++
              print d + 0, ended + 0, t1 - t0 }' "$1" "$2"
}

# settle URI: until the broker at URI is idle (under 5% of a CPU over a
# second: the commits of the jobs' events done); at most 120 s, then
# goes on with a warning
settle () {
    local pid a b i
    pid=$(FLUX_URI=$1 flux getattr broker.pid)
    b=$(sed 's/.*) //' /proc/"$pid"/stat | awk '{ print $12 + $13 }')
    for i in $(seq 1 120); do
        sleep 1
        a=$b
        b=$(sed 's/.*) //' /proc/"$pid"/stat | awk '{ print $12 + $13 }')
        test $((b - a)) -ge $(($(getconf CLK_TCK) / 20)) || return 0
    done
    echo "settle: the broker at $1 still busy after 120 s" >&2
}

# query_ms URI: the median milliseconds of Q plugin.query RPCs (the
# request and its answer, in one client process)
query_ms () {
    FLUX_URI=$1 flux python -c '
import flux, sys, time
h = flux.Flux()
for i in range(int(sys.argv[1])):
    t = time.perf_counter()
    h.rpc("job-manager.jobtap-query", {"name": "delegate.so"}).get()
    print((time.perf_counter() - t) * 1000)' "$Q" | median
}

# command_ms URI CMD...: the median wall milliseconds of Q runs of CMD
# (its start and connection included)
command_ms () {
    local uri=$1 i t
    shift
    for i in $(seq 1 "$Q"); do
        t=$(now)
        FLUX_URI=$uri "$@" >/dev/null
        echo "($(now) - $t) * 1000" | bc -l
    done | median
}

query () { FLUX_URI=$1 flux jobtap query delegate.so; }

# targets_up URI: how many targets the source at URI sees up
targets_up () {
    query "$1" | jq '[.targets[] | select(.state == "up")] | length'
}

# delegated URI STATE: the delegations of the source at URI in STATE, or
# all of them with STATE "all"
delegated () {
    if test "$2" = all; then
        query "$1" | jq '[.delegations[]] | add // 0'
    else
        delegations "$1" "$2"
    fi
}

# start_targets: TARGETS child instances, their one core busy with a
# "sleep inf" job; their URIs in T[], their job ids in T_ID[]
start_targets () {
    local i u id b
    T=() T_ID=()
    for i in $(seq 0 $((TARGETS - 1))); do
        child u id "${NOBIND[@]}"
        b=$(FLUX_URI=$u flux submit sleep inf)
        FLUX_URI=$u flux job wait-event -t 60 "$b" start >/dev/null
        T+=("$u") T_ID+=("$id")
    done
}

# start_source URI-VAR ID-VAR [delegate]: a source (one malloc arena
# per thread); with "delegate", delegate.so loaded and the targets T[]
# configured and up
start_source () {
    local i
    child "$1" "$2" "${NOBIND[@]}" "$ARENAS"
    test "$3" = delegate || return 0
    FLUX_URI=${!1} flux jobtap load "$plugin"
    for i in "${!T[@]}"; do
        printf '[[delegate]]\nuri = "%s"\nlabel = "t%d"\n' "${T[$i]}" "$i"
    done | FLUX_URI=${!1} flux config load
    wait_for "test \"\$(targets_up ${!1})\" -eq $TARGETS" 60
}

# cycle URI KIND N: take N jobs through the source at URI (KIND
# "delegated" or "local", see the top) and print, for the window:
# "JM_TICKS ENDED TOTAL_TICKS SUBMIT_S CANCEL_S ARENA_BYTES ALL_HEAP_BYTES
#  RPC_MS JOBTAP_MS LIST_MS" (the last three "-" for local jobs)
cycle () {
    local uri=$1 kind=$2 n=$3 h0 j0 h1 j1 t0 t1 t2 t3 blocker a b e1 e2 s u
    local q=- qj=- ql= dep cond done_cond
    if test "$kind" = delegated; then
        dep=--dependency=delegate:$ROUTE
        cond="test \"\$(delegated $uri pending)\" -eq $n"
        done_cond="test \"\$(delegated $uri all)\" -eq 0"
    else
        blocker=$(FLUX_URI=$uri flux submit sleep inf)
        FLUX_URI=$uri flux job wait-event -t 60 "$blocker" start >/dev/null
        dep=--dependency=afterany:$blocker
        cond="test \"\$(FLUX_URI=$uri flux job stats | jq .job_states.depend)\" -eq $n"
        done_cond=true
    fi
    settle "$uri"
    read -r h0 j0 < <(heap_bytes "$uri")
    test -n "$j0" || return 1
    cpu_read "$uri" "$work/c0"
    t0=$(now)
    FLUX_URI=$uri flux submit --quiet --cc=1-"$n" "$dep" true
    wait_for "$cond" "$(bound "$n")" || return 1
    t1=$(now)
    settle "$uri"
    cpu_read "$uri" "$work/c1"
    read -r h1 j1 < <(heap_bytes "$uri")
    test -n "$j1" || return 1
    if test "$kind" = delegated; then
        q=$(query_ms "$uri")
        qj=$(command_ms "$uri" flux jobtap query delegate.so)
        ql=$(command_ms "$uri" flux delegate list)
        # still all there and waiting after the measures
        test "$(delegated "$uri" pending)" -eq "$n"
    fi
    cpu_read "$uri" "$work/c2"
    t2=$(now)
    FLUX_URI=$uri flux cancel --all >/dev/null 2>&1
    wait_for "$done_cond" "$(bound "$n")" || return 1
    FLUX_URI=$uri flux queue drain --timeout="$(bound "$n")"
    t3=$(now)
    settle "$uri"
    cpu_read "$uri" "$work/c3"
    read -r a e1 s < <(cpu_delta "$work/c0" "$work/c1")
    read -r b e2 u < <(cpu_delta "$work/c2" "$work/c3")
    echo "$((a + b)) $((e1 + e2)) $((s + u))" \
        "$(echo "$t1 - $t0" | bc -l) $(echo "$t3 - $t2" | bc -l)" \
        "$((j1 - j0)) $((h1 - h0)) $q $qj ${ql:--}"
}

# ms_per_job TICKS N
ms_per_job () {
    echo "$1 * 1000 / $(getconf CLK_TCK) / $2" | bc -l
}

# sample KIND N: one run of KIND at size N on fresh instances; appends
# to $work/KIND.N "CPU_MS/JOB TOTAL_MS/JOB ARENA_B/JOB HEAP_B/JOB RPC_MS
# JOBTAP_MS LIST_MS SUBMIT_S CANCEL_S ENDED" and prints it
sample () {
    local kind=$1 n=$2 S S_ID jm ended tot ts tc arena heap q qj ql i line
    if test "$kind" = delegated; then
        start_targets
        start_source S S_ID delegate
    else
        start_source S S_ID
    fi
    read -r jm ended tot ts tc arena heap q qj ql < <(cycle "$S" "$kind" "$n") ||
        return 1
    test -n "$ql" || return 1
    line="$(ms_per_job "$jm" "$n") $(ms_per_job "$tot" "$n") $((arena / n))"
    line="$line $((heap / n)) $q $qj $ql $ts $tc $ended"
    echo "$line" >>"$work/$kind.$n"
    stop_child "$S_ID"
    if test "$kind" = delegated; then
        for i in "${T_ID[@]}"; do stop_child "$i"; done
    fi
    awk -v k="$kind" -v n="$n" '{
        printf "%-9s %6d %9.3f %9.3f %8d %8d %8s %9s %8s %8.1f %8.1f %5d\n",
            k, n, $1, $2, $3, $4, ($5 == "-" ? "-" : sprintf("%.1f", $5)),
            ($6 == "-" ? "-" : sprintf("%.1f", $6)),
            ($7 == "-" ? "-" : sprintf("%.1f", $7)), $8, $9, $10 }' <<<"$line"
}

t_start=$(now)
echo "N_SMALL=$N_SMALL N_LARGE=$N_LARGE jobs, $RUNS runs, $TARGETS targets" \
    "(delegate:$ROUTE), Q=$Q; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(per job: CPU ms of the job manager and link threads, and of the whole broker;" \
    "bytes of the job manager's arenas and of the whole heap; ms of the query RPC" \
    "and of the commands; seconds to submit and to cancel; threads ended)"
printf "%-9s %6s %9s %9s %8s %8s %8s %9s %8s %8s %8s %5s\n" kind N jm_ms/job \
    broker_ms arena_B heap_B rpc_ms jobtap_ms list_ms submit_s cancel_s ended
for r in $(seq 1 "$RUNS"); do
    for n in "$N_SMALL" "$N_LARGE"; do
        sample delegated "$n"
        test "$LOCAL" = 0 || sample local "$n"
    done
done

# the median of column C of KIND.N, printed with FORMAT
med () {
    test -s "$work/$1.$2" || { echo -; return; }
    col "$work/$1.$2" "$3" | xargs printf "$4"
}
# range C KIND.N: "lo-hi" of column C
range () {
    awk -v c="$3" '{ print $c }' "$work/$1.$2" | sort -g |
        awk -v f="$4" 'NR == 1 { lo = $1 } { hi = $1 } END { printf f "-" f, lo, hi }'
}

ratio () { echo "$(col "$work/$1.$N_LARGE" "$2") / $(col "$work/$1.$N_SMALL" "$2")" | bc -l; }

echo
echo "medians of $RUNS runs (ranges):"
printf "| %-48s | %s | %s | %s |\n" measure "$N_SMALL jobs" "$N_LARGE jobs" "$N_LARGE / $N_SMALL"
for kind in delegated $(test "$LOCAL" = 0 || echo local); do
    printf "| %-48s | %s (%s) | %s (%s) | %.2f |\n" \
        "$kind: job manager + link threads, CPU ms/job" \
        "$(med "$kind" "$N_SMALL" 1 %.3f)" "$(range "$kind" "$N_SMALL" 1 %.3f)" \
        "$(med "$kind" "$N_LARGE" 1 %.3f)" "$(range "$kind" "$N_LARGE" 1 %.3f)" \
        "$(ratio "$kind" 1)"
    printf "| %-48s | %s | %s | %.2f |\n" "$kind: whole source broker, CPU ms/job" \
        "$(med "$kind" "$N_SMALL" 2 %.3f)" "$(med "$kind" "$N_LARGE" 2 %.3f)" "$(ratio "$kind" 2)"
    printf "| %-48s | %s | %s | |\n" "$kind: job manager arenas, bytes/job" \
        "$(med "$kind" "$N_SMALL" 3 %.0f)" "$(med "$kind" "$N_LARGE" 3 %.0f)"
    printf "| %-48s | %s | %s | |\n" "$kind: submit to all waiting, s" \
        "$(med "$kind" "$N_SMALL" 8 %.1f)" "$(med "$kind" "$N_LARGE" 8 %.1f)"
    printf "| %-48s | %s | %s | |\n" "$kind: cancel to all gone, s" \
        "$(med "$kind" "$N_SMALL" 9 %.1f)" "$(med "$kind" "$N_LARGE" 9 %.1f)"
done
if test "$LOCAL" != 0; then
    for n in "$N_SMALL" "$N_LARGE"; do
        paste "$work/delegated.$n" "$work/local.$n" |
            awk '{ print $3 - $13 }' >"$work/added.$n"
    done
    printf "| %-48s | %s | %s | |\n" "delegation adds: job manager arenas, bytes/job" \
        "$(median <"$work/added.$N_SMALL")" "$(median <"$work/added.$N_LARGE")"
fi
for c in "5 plugin.query RPC" "6 flux jobtap query delegate.so" "7 flux delegate list"; do
    printf "| %-48s | %s | %s (%s) | |\n" "${c#* }, ms" \
        "$(med delegated "$N_SMALL" "${c%% *}" %.1f)" \
        "$(med delegated "$N_LARGE" "${c%% *}" %.1f)" \
        "$(range delegated "$N_LARGE" "${c%% *}" %.1f)"
done
ended=$(cat "$work"/delegated.* | awk '{ s += $10 } END { print s + 0 }')
echo "job manager or link threads ended inside a window: $ended"
echo "elapsed $(echo "$(now) - $t_start" | bc | xargs printf %.0f) s;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
