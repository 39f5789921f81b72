#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: flux jobtap remove, then load, with jobs in
flight'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

test_expect_success 'start source A and targets B, C' '
    start_instance A &&
    start_instance B &&
    start_instance C &&
    load_plugin $A
'
test_expect_success 'jobs in every stage of delegation' '
    on $B flux submit -n1 -c1 sleep 6 >/dev/null &&
    local=$(on $A flux submit -n1 -c1 sleep 4) &&
    running=$(on $A flux submit --dependency=delegate:$C \
        sh -c "echo before; sleep 2; echo after >&2; exit 3") &&
    wait_event $A $running start &&
    pending=$(on $A flux submit --dependency=delegate:$B \
        sh -c "echo pending-out; exit 4") &&
    held=$(on $A flux submit --dependency=afterany:$local \
        --dependency=delegate:$B true) &&
    wait_event $A $pending delegate::submit
'
test_expect_success 'flux jobtap remove with jobs in flight: the broker stays up' '
    on $A flux jobtap remove delegate.so &&
    on $A flux getattr rank &&
    test_must_fail on $A flux jobtap query delegate.so
'
test_expect_success 'the remote jobs go on meanwhile' '
    rid=$(remote_jobid $A $running) &&
    on $C flux job wait-event -t 30 $rid clean &&
    test "$(job_result $C $rid)" = "FAILED 3" &&
    test "$(on $A flux jobs -n -o {state} $running)" = RUN
'
test_expect_success 'load the plugin again' '
    load_plugin $A
'
test_expect_success 'the job that ran meanwhile ends with its remote result' '
    wait_event $A $running clean &&
    test "$(job_result $A $running)" = "FAILED 3" &&
    test_expect_code 3 on $A flux job attach $running >run.out 2>run.err &&
    test "$(cat run.out)" = before &&
    test "$(grep -v ^flux-job: run.err)" = after
'
test_expect_success 'the job pending remotely ends with its remote result' '
    wait_event $A $pending clean &&
    test "$(job_result $A $pending)" = "FAILED 4" &&
    test_expect_code 4 on $A flux job attach $pending >pend.out &&
    grep -x pending-out pend.out
'
test_expect_success 'the job never sent is delegated once its dependency is met' '
    wait_event $A $held clean &&
    test "$(job_result $A $held)" = "COMPLETED 0" &&
    test "$(event_context $A $held delegate::submit uri)" = "$B"
'
test_expect_success 'flux delegate info and list: targets without a label' '
    on $A flux delegate info $running >info.out &&
    rid=$(on $A flux job id --to=f58 $(remote_jobid $A $running)) &&
    grep "^  1 *$C *remote job $rid: finished, exit code 3" info.out &&
    grep "^target: $C\$" info.out &&
    on $A flux delegate list -n >list.out &&
    grep "^- *up .*$C\$" list.out &&
    grep "^- *up .*$B\$" list.out
'
# A delegation is freed with its job, when the job becomes inactive (before
# its "clean" is seen): every job above is, so none is left, in any state.
test_expect_success 'no delegation is left in flight' '
    on $A flux jobtap query delegate.so >q.json &&
    jq -e ".delegations == {}" q.json
'
test_expect_success 'clean up' '
    for t in $B $C; do on $t flux cancel --all; done;
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
