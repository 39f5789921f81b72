#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: how the copy is sent and followed: sent at
job.new and released in DEPEND; followed by the target journal by default,
by each job eventlog with journal=false'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

# journal listeners on the job manager of the instance at URI
listeners () {
    on "$1" flux module stats job-manager | jq .journal.listeners
}

# set the event batch timeout of the job manager at URI (seconds)
batch_timeout () {
    on "$1" flux python -c "import flux
flux.Flux().rpc(\"job-manager.set-batch-timeout\", {\"timeout\": $2}).get()"
}

# guest eventlog watches held by job-info at URI
guest_watchers () {
    on "$1" flux module stats job-info | jq .guest_watchers
}

# kvs-watch watchers in KVS namespace NS at URI
ns_watchers () {
    on "$1" flux module stats kvs-watch | jq ".namespaces[\"$2\"].watchers // 0"
}

timestamp () {
    on "$1" flux job eventlog --format=json "$2" |
        jq -r "select(.name == \"$3\") | .timestamp" | head -n1
}

# base: the journal listeners of B before any link reads it, as many as on
# E, which no link reads (its own job-list)
test_expect_success 'start target B, source J (default) and E (journal=false)' '
    start_instance B &&
    start_instance J &&
    start_instance E &&
    load_plugin $J &&
    load_plugin $E journal=false &&
    base=$(listeners $B) &&
    test "$base" -eq "$(listeners $E)"
'
test_expect_success 'a bad journal value is refused at load with a message' '
    test_must_fail load_plugin $E journal=maybe 2>err &&
    on $E flux dmesg | grep "journal must be true or false"
'
test_expect_success 'journal=false: the link does not read the target journal' '
    id=$(on $E flux submit --dependency=delegate:$B true) &&
    wait_event $E $id clean &&
    test "$(job_result $E $id)" = "COMPLETED 0" &&
    test "$(listeners $B)" -eq "$base"
'
test_expect_success 'by default the link reads the target journal' '
    id=$(on $J flux submit --dependency=delegate:$B true) &&
    wait_event $J $id clean &&
    test "$(job_result $J $id)" = "COMPLETED 0" &&
    test "$(listeners $B)" -eq $((base + 1))
'

watchers () {
    on "$1" flux module stats kvs-watch | jq .watchers
}
watchers_at_least () {
    test "$(watchers $1)" -ge "$2"
}

# E's three watchers show; J's link released its jobs, and follows them from
# the same callback: then a watcher of J's would show within the second
test_expect_success 'pending remote jobs: a KVS watcher each with journal=false only' '
    on $B flux queue stop &&
    w0=$(watchers $B) &&
    jids=$(on $J flux submit --cc=1-3 --dependency=delegate:$B true) &&
    eids=$(on $E flux submit --cc=1-3 --dependency=delegate:$B true) &&
    for id in $jids; do wait_event $J $id delegate::submit || return 1; done &&
    for id in $eids; do wait_event $E $id delegate::submit || return 1; done &&
    wait_until 10 watchers_at_least $B $((w0 + 3)) &&
    for id in $jids; do
        on $B flux job wait-event -t 10 $(remote_jobid $J $id) $(released_event) ||
            return 1
    done &&
    sleep 1 &&
    test "$(watchers $B)" -eq $((w0 + 3)) &&
    on $B flux queue start &&
    for id in $jids; do wait_event $J $id clean || return 1; done &&
    for id in $eids; do wait_event $E $id clean || return 1; done
'

# The same outcomes, whichever way the remote job is followed.
for src in J E; do
test_expect_success "$src: exit code and output of the remote job" "
    id=\$(on \$$src flux submit --dependency=delegate:\$B \
        sh -c 'echo out; echo err >&2; exit 3') &&
    wait_event \$$src \$id clean &&
    test \"\$(job_result \$$src \$id)\" = 'FAILED 3' &&
    test_expect_code 3 on \$$src flux job attach \$id >$src.out 2>$src.err &&
    test \"\$(cat $src.out)\" = out &&
    grep -x err $src.err
"
test_expect_success "$src: the remote job cancelled while it runs" "
    id=\$(on \$$src flux submit --dependency=delegate:\$B sleep 60) &&
    wait_event \$$src \$id start &&
    on \$B flux cancel --message=bye \$(remote_jobid \$$src \$id) &&
    wait_event \$$src \$id clean &&
    on \$$src flux job eventlog \$id >$src.cancel &&
    grep 'exception type=\"cancel\" severity=0 note=\"on .*bye\"' $src.cancel &&
    test \"\$(on \$$src flux jobs -n -o {status} \$id)\" = CANCELED
"
test_expect_success "$src: the remote job cancelled while it is pending" "
    blocker=\$(on \$B flux submit sleep 60) &&
    on \$B flux job wait-event -t 30 \$blocker start &&
    id=\$(on \$$src flux submit --dependency=delegate:\$B true) &&
    wait_event \$$src \$id delegate::submit &&
    on \$B flux cancel \$(remote_jobid \$$src \$id) &&
    wait_event \$$src \$id clean &&
    on \$$src flux job eventlog \$id | grep 'exception type=\"cancel\"' &&
    on \$B flux cancel \$blocker
"
done

test_expect_success 'as for a local job, the output can be read once the job started' '
    id=$(on $J flux submit --dependency=delegate:$B echo hello) &&
    wait_event $J $id clean &&
    started=$(timestamp $J $id start) &&
    shown=$(on $J flux job eventlog --format=json -p exec $id |
        jq -r "select(.name == \"shell.init\") | .timestamp") &&
    echo "shell.init $shown, start $started" &&
    test "$(echo "$shown <= $started" | bc)" = 1 &&
    test "$(on $J flux job attach $id)" = hello
'
# Lookups of KEY in namespace NS in a kvs trace (flux module trace -f)
lookups () {
    sed -n "/^{/,/^}/p" "$1" |
        jq -c "select(.key? == \"$2\" and .namespace? == \"$3\")" | wc -l
}
# The kvs trace in FILE shows a lookup of KEY in the primary namespace
traced () {
    test "$(lookups "$1" "$2" primary)" -ge 1
}
# Look KEY up on B (it need not exist); true once the trace in FILE shows it
lookup_traced () {
    on $B flux kvs get "$2" >/dev/null 2>&1
    traced "$1" "$2"
}
# The plugin decides whether to read the copy of the remote output when the
# remote job's namespace goes or the job is clean on B, unless the source
# job ended first (then the remote job is dropped): so J's job-exec is
# removed until B's "clean", which holds the source job in RUN.  Once the
# delegation is in FINISH (remote end and whole output seen), a window for a
# read of the plugin's, which must not come; then the test's own read, the
# last in the trace (kept in the order B's kvs takes the requests).
test_expect_success 'output whose streams all ended is not read again from the copy' '
    FLUX_URI=$B flux module trace -f -t request -T "kvs.lookup*" kvs >trace.out &
    tracer=$! &&
    test_when_finished "kill $tracer 2>/dev/null || :" &&
    test_when_finished "on \$J flux module load job-exec 2>/dev/null || :" &&
    wait_until 10 lookup_traced trace.out delegate-test.tracer-is-up &&
    id=$(on $J flux submit --dependency=delegate:$B \
        sh -c "echo hello; while ! test -e \"$PWD/go.trace\"; do sleep 0.1; done") &&
    wait_event $J $id start &&
    on $J flux job wait-event -t 10 -p output $id data &&
    on $J flux module remove job-exec &&
    touch go.trace &&
    rid=$(remote_jobid $J $id) &&
    wait_event $B $rid clean &&
    wait_until 30 query_true $J ".delegations == {\"finish\": 1}" &&
    sleep 0.5 &&
    copy=$(on $B flux job id --to=kvs $rid).guest.output &&
    on $B flux kvs get $copy >/dev/null &&
    wait_until 10 traced trace.out $copy &&
    kill $tracer &&
    on $J flux module load job-exec &&
    wait_event $J $id clean &&
    test "$(job_result $J $id)" = "COMPLETED 0" &&
    test "$(on $J flux job attach $id)" = hello &&
    watched=$(lookups trace.out output job-$rid) &&
    read=$(lookups trace.out $copy primary) &&
    echo "lookups: output in job-$rid $watched; $copy $read, one of them by the test" &&
    test "$watched" -ge 1 &&
    test "$read" -eq 1
'
test_expect_success 'the running remote output is watched in its guest namespace, not by job-info' '
    test_when_finished "on \$J flux cancel --all; on \$B flux cancel --all" &&
    id=$(on $B flux submit sh -c "echo hi; sleep 60") &&
    i=0 &&
    until on $B flux job eventlog -p output $id 2>/dev/null | grep -q data; do
        test $i -lt 300 || return 1
        sleep 0.1; i=$((i + 1))
    done &&
    direct_info=$(guest_watchers $B) &&
    direct_ns=$(ns_watchers $B job-$(on $B flux job id --to=dec $id)) &&
    on $B flux cancel $id &&
    wait_event $B $id clean &&
    id=$(on $J flux submit --dependency=delegate:$B sh -c "echo hi; sleep 60") &&
    on $J flux job wait-event -t 30 -p output $id data &&
    rid=$(remote_jobid $J $id) &&
    echo "job-info guest watchers $direct_info direct, $(guest_watchers $B) delegated;" \
        "namespace watchers $direct_ns direct, $(ns_watchers $B job-$rid) delegated" &&
    test "$(guest_watchers $B)" -eq "$direct_info" &&
    test "$(ns_watchers $B job-$rid)" -eq $((direct_ns + 1)) &&
    on $J flux cancel $id &&
    wait_event $J $id clean &&
    test "$(on $J flux job attach $id 2>/dev/null)" = hi
'
test_expect_success 'the copy is sent before the job reaches DEPEND, released there' '
    batch_timeout $J 1.0 &&
    id=$(on $J flux submit --dependency=delegate:$B true) &&
    wait_event $J $id clean &&
    batch_timeout $J 0.01 &&
    test "$(job_result $J $id)" = "COMPLETED 0" &&
    rid=$(remote_jobid $J $id) &&
    validated=$(timestamp $J $id validate) &&
    sent=$(timestamp $B $rid submit) &&
    released=$(timestamp $B $rid $(released_event)) &&
    echo "validated $validated, sent $sent, released $released" &&
    test "$(echo "$sent < $validated + 0.5" | bc)" = 1 &&
    test "$(echo "$released > $sent + 0.5" | bc)" = 1 &&
    test "$(event_context $B $rid submit urgency)" = $(sent_urgency)
'
test_expect_success 'a job with another dependency is sent once it is met' '
    first=$(on $J flux submit sleep 1) &&
    id=$(on $J flux submit --dependency=afterany:$first \
        --dependency=delegate:$B true) &&
    wait_event $J $id clean &&
    test "$(job_result $J $id)" = "COMPLETED 0" &&
    rid=$(remote_jobid $J $id) &&
    test "$(echo "$(timestamp $B $rid submit) > \
        $(timestamp $J $first clean)" | bc)" = 1
'
# A delegation is freed with its job, when the job becomes inactive
test_expect_success 'no delegation is left in flight' '
    for s in $J $E; do
        on $s flux jobtap query delegate.so >q.json &&
        jq -e ".delegations == {}" q.json ||
        return 1
    done
'
test_expect_success 'clean up' '
    flux cancel --all &&
    flux job wait-event -t 30 $B_ID clean
'
test_done
