#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# valgrind.sh - a source broker under valgrind delegating jobs
#
#   valgrind.sh DELEGATE_SO [JOBS]       (make -C t valgrind)
#
# Runs the broker of a throwaway instance under valgrind's memcheck with
# delegate.so loaded, delegates JOBS (default 50) jobs to a child instance
# (output, exit codes, a cancel), then removes the plugin with jobs in
# flight, loads it again (it takes them over) and lets them finish.  Then
# both sides of accepting: 20 jobs to a child that accepts (the copies in
# batches), and 20 copies accepted from a source instance of its own.
# Afterwards it reads valgrind's log: any invalid access, or any block
# definitely lost, with a stack frame in the plugin fails the run.
# Reports from flux-core and its libraries are not ours and are only
# counted; flux-core.supp holds the known ones (see there).

plugin=$(realpath "${1:?usage: valgrind.sh DELEGATE_SO [JOBS]}")
supp=$(cd "$(dirname "$0")" && pwd)/flux-core.supp
jobs=${2:-50}
dir=$(mktemp -d /tmp/delegate-valgrind.XXXXXX)

if test -n "$DELEGATE_VALGRIND_INNER"; then
    set -e
    B_ID=$(flux submit -n1 -c1 flux start sleep inf)
    B=$(flux uri --local --wait "$B_ID")
    flux jobtap load "$plugin" link-timeout=60s
    ids=""
    for i in $(seq 1 "$jobs"); do
        ids="$ids $(flux submit --dependency=delegate:"$B" \
            sh -c "echo job $i; echo err $i >&2; exit $((i % 3))")"
    done
    id=$(flux submit --dependency=delegate:"$B" sleep 300)
    flux job wait-event -t 600 "$id" start
    flux cancel "$id"
    for id in $ids $id; do flux job wait-event -t 600 "$id" clean; done
    late=""
    for i in 1 2 3; do
        late="$late $(flux submit --dependency=delegate:"$B" sh -c "sleep 3; echo late")"
    done
    sleep 2
    flux jobtap remove delegate.so
    flux jobtap load "$plugin" link-timeout=60s
    for id in $late; do flux job wait-event -t 600 "$id" clean; done
    echo "inner: $(flux jobs -a -n -f inactive | wc -l) jobs done"
    FLUX_URI=$B flux cancel --all >/dev/null 2>&1 || true
    flux cancel "$B_ID"  # its core, for B2
    flux job wait-event -t 600 "$B_ID" clean

    # Both sides of accepting (accept.h): this broker sends copies in
    # batches to an accepting B2, and accepts copies from a source S (an
    # instance of its own, outside this one, whose jobs run here).
    printf '[delegate-accept]\n' | flux config load
    B2_ID=$(flux submit -n1 -c1 flux start sleep inf)
    B2=$(flux uri --local --wait "$B2_ID")
    while ! FLUX_URI=$B2 flux uptime | grep -q " run "; do sleep 0.2; done
    printf '[delegate-accept]\n' | FLUX_URI=$B2 flux config load
    FLUX_URI=$B2 flux jobtap load "$plugin"
    ids=$(flux submit --cc=1-20 --dependency=delegate:"$B2" sh -c 'echo {cc}; exit $(({cc} % 2))')
    here=$(flux getattr local-uri)
    env -u FLUX_URI timeout 900 flux start --test-size=1 /bin/bash -c \
        "flux jobtap load $plugin link-timeout=60s &&
         flux submit --cc=1-20 --dependency=delegate:$here true >$dir/s.ids &&
         for id in \$(cat $dir/s.ids); do flux job wait-event -t 600 \$id clean || exit 1; done &&
         flux jobs -a -n -o {status} >$dir/s.status" &
    spid=$!
    for id in $ids; do flux job wait-event -t 600 "$id" clean; done
    wait $spid
    echo "inner: accepting B2: $(flux jobs -n -o {status} $ids | sort | uniq -c | xargs);" \
        "copies from S here: $(sort $dir/s.status | uniq -c | xargs)"
    flux jobtap remove delegate.so
    FLUX_URI=$B2 flux cancel --all >/dev/null 2>&1 || true
    flux cancel --all >/dev/null 2>&1 || true
    exit 0
fi

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 1; }
DELEGATE_VALGRIND_INNER=1 timeout 1800 flux start \
    --wrap=valgrind,--tool=memcheck,--leak-check=full,--show-leak-kinds=definite,--num-callers=30,--suppressions="$supp",--log-file="$dir/vg.log" \
    /bin/bash "$0" "$plugin" "$jobs" || { echo "valgrind.sh: the run failed" >&2; exit 1; }

# valgrind records: blank-line separated, each "==PID== " prefixed; ours
# are those with a stack frame in a source file of the plugin (every .c
# of src/plugin, read from there, so a new file is never left out)
files=$(cd "$(dirname "$0")/../../src/plugin" && ls *.c | sed 's/[.]c$//' | paste -sd'|')
ours=$(sed 's/^==[0-9]*== //' "$dir/vg.log" |
    awk -v RS= -v re="(in [^)]*delegate[.]so[)]|[(]($files)[.]c:[0-9]+[)])" \
        '/ at 0x/ && $0 ~ re')
errors=$(grep -c "ERROR SUMMARY" "$dir/vg.log")
grep "ERROR SUMMARY\|definitely lost:\|indirectly lost:" "$dir/vg.log"
if test -n "$ours"; then
    echo "valgrind.sh: reports in delegate.so (log: $dir/vg.log):"
    echo "$ours"
    exit 1
fi
echo "valgrind.sh: no invalid access and no leak in delegate.so ($errors broker run(s); log: $dir/vg.log)"
