#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: restart of the source instance with delegated
jobs in flight

The source A keeps its content in a statedir, loads delegate.so from its
[job-manager] plugins configuration, and runs with FLUX_DISABLE_JOB_CLEANUP
set, so that its running jobs are not cancelled at shutdown.  A source job
runs in job-exec test mode: reattached after a restart, it would end at
once with status 0 if the plugin let it.'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

# Start (or restart) A from the same statedir and configuration; wait
# until its job manager took its jobs back and its rc1 is done.
start_source () {
    local id uri
    id=$(FLUX_DISABLE_JOB_CLEANUP=t flux submit -n1 -c1 --job-name=A \
        flux start -Sstatedir="$PWD/state" --config-path="$PWD/conf" \
        sleep inf) &&
    uri=$(flux uri --local --wait "$id") &&
    wait_run "$uri" || return 1
    A=$uri
    A_ID=$id
    on "$A" flux jobtap list | grep -x delegate.so
}

# Print what A knows of job ID (for the log of a failed check); fail.
explain () {
    on $A flux jobs -n -o "{id} {state} {status} {returncode}" $1
    on $A flux job eventlog $1
    on $A flux job eventlog -p exec $1
    on $A flux dmesg | grep -E "delegate|job-exec" | grep -v debug
    false
}

test_expect_success 'start target B (2 cores)' '
    start_instance B 2
'
test_expect_success 'start source A: delegate.so from [job-manager] plugins' '
    mkdir state conf &&
    cat >conf/delegate.toml <<-EOT &&
	[job-manager]
	plugins = [ { load = "$DELEGATE_SO" } ]
	[[delegate]]
	uri = "$B"
	label = "b"
	EOT
    start_source
'
# The remote jobs wait for flag files in this directory, so that each
# ends exactly when the test wants: "quick" while A is down, "long" after
# A is back.
wait_for () {
    echo "while ! test -e '$PWD/$1'; do sleep 0.1; done"
}

test_expect_success 'a job running remotely, another that will end while A is down' '
    long=$(on $A flux submit --dependency=delegate:b \
        sh -c "echo one; $(wait_for go.long); echo two; exit 7") &&
    quick=$(on $A flux submit --dependency=delegate:b \
        sh -c "$(wait_for go.quick); echo gone; exit 3") &&
    wait_event $A $long start &&
    on $A flux job wait-event -t 10 -p output $long data &&
    wait_event $A $quick start || explain $quick
'
test_expect_success 'a job pending remotely (B does not schedule), one held on A' '
    on $B flux queue stop &&
    pending=$(on $A flux submit --dependency=delegate:b \
        sh -c "echo late >&2; exit 4") &&
    wait_event $A $pending delegate::submit &&
    held=$(on $A flux submit --dependency=afterany:$long \
        --dependency=delegate:b true) &&
    r_long=$(remote_jobid $A $long) &&
    r_quick=$(remote_jobid $A $quick) &&
    r_pending=$(remote_jobid $A $pending) || explain $pending
'
test_expect_success 'shut A down with its jobs in flight' '
    on $A flux shutdown --quiet &&
    flux job wait-event -t 60 $A_ID clean
'
test_expect_success 'meanwhile the remote jobs go on, two of them end' '
    touch go.quick &&
    on $B flux queue start &&
    on $B flux job wait-event -t 30 $r_quick clean &&
    on $B flux job wait-event -t 30 $r_pending clean &&
    test "$(on $B flux jobs -n -o {state} $r_long)" = RUN
'
test_expect_success 'restart A from its statedir' '
    start_source
'
test_expect_success 'the job running across the restart ends with its remote result' '
    touch go.long &&
    wait_event $A $long clean 30 &&
    test "$(job_result $A $long)" = "FAILED 7" &&
    on $A flux job eventlog -p exec $long | grep -w reattach &&
    test_expect_code 7 on $A flux job attach $long >long.out 2>/dev/null &&
    test "$(echo $(cat long.out))" = "one two" || explain $long
'
test_expect_success 'the job that ended while A was down: its remote result' '
    wait_event $A $quick clean &&
    test "$(job_result $A $quick)" = "FAILED 3" &&
    test_expect_code 3 on $A flux job attach $quick >quick.out 2>/dev/null &&
    test "$(cat quick.out)" = gone || explain $quick
'
test_expect_success 'the job pending at shutdown: its remote result' '
    wait_event $A $pending clean &&
    test "$(job_result $A $pending)" = "FAILED 4" &&
    test_expect_code 4 on $A flux job attach $pending 2>pend.err &&
    grep -x late pend.err || explain $pending
'
test_expect_success 'the job never sent is delegated once its dependency is met' '
    wait_event $A $held clean &&
    test "$(job_result $A $held)" = "COMPLETED 0" &&
    test "$(on $A flux job eventlog $held | grep -c delegate::submit)" = 1 ||
        explain $held
'
test_expect_success 'each job ran once on B; no delegation is left in flight' '
    test "$(on $B flux jobs -a -n -o {id} | wc -l)" = 4 &&
    on $A flux jobtap query delegate.so >query.json &&
    jq -e ".delegations == {}" query.json
'
# The delegation in FINISH: the plugin had the remote end and the whole
# output, and asked job-exec to finish the job; then a window for the job
# to end, which it must not while job-exec is away.
test_expect_success 'job-exec reloaded under a running job: the finish waits for it' '
    id=$(on $A flux submit --dependency=delegate:b \
        sh -c "echo one; sleep 2; echo two; exit 5") &&
    wait_event $A $id start &&
    on $A flux job wait-event -t 10 -p output $id data &&
    on $A flux module remove job-exec &&
    on $B flux job wait-event -t 30 $(remote_jobid $A $id) clean &&
    wait_until 30 query_true $A ".delegations == {\"finish\": 1}" &&
    sleep 1 &&
    test "$(on $A flux jobs -n -o {state} $id)" = RUN &&
    on $A flux module load job-exec &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "FAILED 5" &&
    test_expect_code 5 on $A flux job attach $id >exec.out 2>/dev/null &&
    test "$(echo $(cat exec.out))" = "one two" || explain $id
'
test_expect_success 'clean up' '
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean &&
    flux job wait-event -t 30 $B_ID clean
'
test_done
