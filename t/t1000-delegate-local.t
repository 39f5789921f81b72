#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: a job sent by local:// URI runs on the target
and the source job mirrors it'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

test_expect_success 'start instances A (source) and B (target)' '
    start_instance A &&
    start_instance B
'
test_expect_success 'delegate.so loads into A' '
    load_plugin $A &&
    on $A flux jobtap list | grep delegate.so
'
test_expect_success 'a delegated job runs on B and completes on A' '
    id=$(on $A flux submit --dependency=delegate:$B -N1 -n1 hostname) &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    rid=$(remote_jobid $A $id) &&
    test -n "$rid" &&
    test "$(job_result $B $rid)" = "COMPLETED 0"
'
test_expect_success 'delegate::submit carries the remote id (integer) and URI' '
    on $A flux job eventlog --format=json $id |
        jq -s -e "map(select(.name == \"delegate::submit\"))[0].context
                  | (.jobid | type) == \"number\" and .uri == \"$B\"" &&
    test "$(on $B flux jobs -n -o {name} $rid)" = "hostname"
'
test_expect_success 'the remote job printed the output' '
    on $B flux job attach $rid >out.remote &&
    test "$(cat out.remote)" = "$(hostname)"
'
test_expect_success 'the copy on B has no dependencies and records its origin' '
    on $B flux job info $rid jobspec >remote.jobspec &&
    jq -e ".attributes.system.dependencies == null" remote.jobspec &&
    jq -e ".attributes.system.delegate_origin.jobid == $(flux job id $id)" \
        remote.jobspec &&
    jq -e ".attributes.system.delegate_origin.uri == \"$A\"" remote.jobspec
'
test_expect_success 'the environment of the submitter reaches the remote job' '
    id=$(DELEGATE_TEST_VAR=from-A on $A flux submit \
        --dependency=delegate:$B sh -c "echo \$DELEGATE_TEST_VAR") &&
    wait_event $A $id clean &&
    on $B flux job attach $(remote_jobid $A $id) >out.env &&
    test "$(cat out.env)" = "from-A"
'
test_expect_success 'a non-zero exit code is the exit code on the source' '
    id=$(on $A flux submit --dependency=delegate:$B sh -c "exit 7") &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "FAILED 7" &&
    test_expect_code 7 on $A flux job status $id
'
test_expect_success 'a job killed by a signal reads the same on the source' '
    id=$(on $A flux submit --dependency=delegate:$B sh -c "kill -9 \$\$") &&
    wait_event $A $id clean &&
    rid=$(remote_jobid $A $id) &&
    test "$(job_result $A $id)" = "$(job_result $B $rid)" &&
    test "$(job_result $A $id)" = "FAILED 137" &&
    test "$(event_context $A $id finish status)" = \
         "$(event_context $B $rid finish status)"
'
test_expect_success 'the source job is pending while the remote job is pending' '
    blocker=$(on $B flux submit -n1 -c1 sleep inf) &&
    on $B flux job wait-event -t 30 $blocker start &&
    id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $id delegate::submit &&
    rid=$(remote_jobid $A $id) &&
    test "$(on $B flux jobs -n -o {state} $rid)" = "SCHED" &&
    test "$(on $A flux jobs -n -o {state} $id)" = "DEPEND" &&
    test_must_fail on $A flux job wait-event -t 1 $id alloc
'
test_expect_success 'a pending job has no alloc-bypass flag or exec test mode yet' '
    on $A flux job eventlog $id >pending.events &&
    test_must_fail grep -e set-flags -e jobspec-update pending.events
'
test_expect_success 'the source job runs once the remote job starts' '
    on $B flux cancel $blocker &&
    wait_event $A $id alloc &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0"
'
test_expect_success 'the flag and test mode come with the remote R, before depend' '
    on $A flux job eventlog --format=json $id | jq -s -e "
        map(.name) as \$n
        | (\$n | index(\"set-flags\")) < (\$n | index(\"jobspec-update\"))
          and (\$n | index(\"jobspec-update\")) < (\$n | index(\"depend\"))
          and (\$n | index(\"delegate::submit\")) < (\$n | index(\"set-flags\"))
          and (map(select(.name == \"set-flags\"))[0].context.flags
               == [\"alloc-bypass\"])
          and (map(select(.name == \"jobspec-update\"))[0].context
               | .[\"attributes.system.exec.test\"].override == 1)"
'
test_expect_success 'RUN on the source while the remote job runs' '
    id=$(on $A flux submit --dependency=delegate:$B sleep 30) &&
    wait_event $A $id start &&
    rid=$(remote_jobid $A $id) &&
    test "$(on $B flux jobs -n -o {state} $rid)" = "RUN" &&
    test "$(on $A flux jobs -n -o {state} $id)" = "RUN"
'
test_expect_success 'flux cancel on the source cancels the remote job' '
    on $A flux cancel $id &&
    wait_event $A $id clean &&
    on $B flux job wait-event -t 30 $rid clean &&
    test "$(on $B flux jobs -n -o {status} $rid)" = "CANCELED" &&
    test "$(on $A flux jobs -n -o {status} $id)" = "CANCELED"
'
test_expect_success 'a job whose time limit expires on the target times out on
the source, with the remote status' '
    id=$(on $A flux submit --dependency=delegate:$B -t 2s sleep 60) &&
    wait_event $A $id clean 60 &&
    rid=$(remote_jobid $A $id) &&
    test "$(on $A flux jobs -n -o {status} $id)" = "TIMEOUT" &&
    test "$(job_result $A $id)" = "$(job_result $B $rid)" &&
    on $A flux job eventlog $id | grep "exception type=\"timeout\"" |
        grep "on $B"
'
test_expect_success 'the source never ends on a timer of its own: a job that
outlives its own time limit on the source only by the target'"'"'s word' '
    id=$(on $A flux submit --dependency=delegate:$B -t 3s sleep 1) &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    jq -e ".execution.expiration == 0" <<-EOT
	$(on $A flux job info $id R)
	EOT
'
test_expect_success 'another dependency is satisfied before the job is sent' '
    first=$(on $A flux submit sleep 3) &&
    id=$(on $A flux submit --dependency=afterok:$first \
        --dependency=delegate:$B true) &&
    test_must_fail wait_event $A $id delegate::submit 1 &&
    wait_event $A $first clean &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    rid=$(remote_jobid $A $id) &&
    on $B flux job info $rid jobspec |
        jq -e ".attributes.system.dependencies == null"
'
test_expect_success 'a failed other dependency means no delegation' '
    first=$(on $A flux submit sh -c "sleep 1; false") &&
    id=$(on $A flux submit --dependency=afterok:$first \
        --dependency=delegate:$B true) &&
    wait_event $A $id clean &&
    test -z "$(remote_jobid $A $id)" &&
    on $A flux job eventlog $id | grep "exception type=\"dependency\""
'
test_expect_success 'jobtap query reports the target and its state' '
    on $A flux jobtap query delegate.so >query.json &&
    jq -e ".targets[0].uri == \"$B\" and .targets[0].state == \"up\"" query.json
'
test_expect_success 'clean up' '
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
