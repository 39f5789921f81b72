#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: a stopped, dead or unloaded peer never stalls
or crashes the source job manager'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

test_expect_success 'start instances A (source), B, C and D (targets)' '
    start_instance A &&
    start_instance B &&
    start_instance C &&
    start_instance D &&
    load_plugin $A &&
    C_PID=$(broker_pid $C) &&
    D_PID=$(broker_pid $D)
'
test_expect_success 'stop target C (SIGSTOP) before it is first contacted' '
    kill -STOP $C_PID &&
    t0=$(date +%s.%N) &&
    stuck=$(on $A flux submit --dependency=delegate:$C true)
'
test_expect_success 'a local job submitted meanwhile completes within 2s' '
    timeout 2 env FLUX_URI=$A flux run -n1 true
'
test_expect_success 'a job for a healthy target runs meanwhile' '
    id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $id clean 10 &&
    test "$(job_result $A $id)" = "COMPLETED 0"
'
test_expect_success 'the job sent to the stopped target fails within 15s' '
    wait_event $A $stuck clean 15 &&
    t1=$(date +%s.%N) &&
    echo "$t1 - $t0" | bc -l >elapsed &&
    test "$(echo "$t1 - $t0 < 15" | bc -l)" = 1 &&
    on $A flux job eventlog $stuck >log.stuck &&
    grep "exception type=\"DelegationFailure\"" log.stuck &&
    grep "note=\"$C: no answer within 10s\"" log.stuck
'
# A job sent to C once it answers again runs there: the link to C has done
# all it had queued.  Then a window for a late copy, which must not come.
test_expect_success 'after SIGCONT the failed job never reaches C: its only job is one sent later' '
    kill -CONT $C_PID &&
    probe=$(on $A flux submit --dependency=delegate:$C true) &&
    wait_event $A $probe clean 20 &&
    test "$(job_result $A $probe)" = "COMPLETED 0" &&
    sleep 1 &&
    test "$(on $C flux jobs -a -n -o {id.dec})" = "$(remote_jobid $A $probe)"
'
test_expect_success 'unloading the plugin while a link is stuck connecting' '
    kill -STOP $C_PID &&
    test_when_finished "kill -CONT $C_PID" &&
    stuck=$(on $A flux submit --dependency=delegate:$C true) &&
    wait_until 10 query_true $A ".delegations == {\"submit\": 1}" &&
    running=$(on $A flux submit --dependency=delegate:$B sleep 60) &&
    wait_event $A $running start &&
    blocker=$(on $B flux submit -n1 -c1 sleep inf) &&
    pending=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $pending delegate::submit &&
    on $A flux jobtap remove delegate.so
'
test_expect_success 'the source broker is still up and runs local jobs' '
    on $A flux getattr size &&
    timeout 5 env FLUX_URI=$A flux run -n1 true
'
test_expect_success 'the plugin loads again and takes the jobs over' '
    load_plugin $A &&
    wait_event $A $stuck clean 20 &&
    test "$(job_result $A $stuck)" = "COMPLETED 0" &&
    on $A flux cancel $running &&
    wait_event $A $running clean &&
    on $B flux cancel $blocker &&
    wait_event $A $pending clean 20 &&
    test "$(job_result $A $pending)" = "COMPLETED 0"
'
test_expect_success 'a target broker killed under jobs running and pending there' '
    id=$(on $A flux submit --dependency=delegate:$D sleep 120) &&
    wait_event $A $id start &&
    pend=$(on $A flux submit --dependency=delegate:$D true) &&
    wait_event $A $pend delegate::submit &&
    d_children=$(pgrep -P $D_PID | tr "\n" " ") &&
    test_when_finished "kill $d_children 2>/dev/null; true" &&
    kill -KILL $D_PID &&
    wait_event $A $id clean 15 &&
    wait_event $A $pend clean 15 &&
    for j in $id $pend; do
        on $A flux job eventlog $j >log.killed &&
        grep "exception type=\"DelegationFailure\"" log.killed &&
        grep "note=\"$D: lost contact with the target" log.killed || return 1
    done
'
test_expect_success 'the source broker survived the killed target' '
    on $A flux getattr size &&
    timeout 5 env FLUX_URI=$A flux run -n1 true &&
    id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $id clean 10
'
test_expect_success 'link-timeout is configurable when loading the plugin' '
    on $A flux jobtap remove delegate.so &&
    load_plugin $A link-timeout=2s &&
    on $A flux jobtap query delegate.so | jq -e ".\"link-timeout\" == 2" &&
    kill -STOP $C_PID &&
    test_when_finished "kill -CONT $C_PID" &&
    id=$(on $A flux submit --dependency=delegate:$C true) &&
    wait_event $A $id clean 6 &&
    on $A flux job eventlog $id | grep "note=\"$C: no answer within 2s\""
'
test_expect_success 'a bad link-timeout is refused at load with a message' '
    on $A flux jobtap remove delegate.so &&
    test_must_fail load_plugin $A link-timeout=soon 2>err &&
    on $A flux dmesg | grep "link-timeout must be a duration" &&
    load_plugin $A
'
test_expect_success 'clean up' '
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
