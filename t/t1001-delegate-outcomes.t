#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: bad requests are refused at submission and
every outcome of the remote job has one rule on the source'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

test_expect_success 'start instances A (source) and B (target), load plugin' '
    start_instance A &&
    start_instance B &&
    load_plugin $A
'

# value | expected message fragment
while IFS='|' read -r value msg; do
    test_expect_success "delegate:$value is refused at submission" "
        test_must_fail on \$A flux submit --dependency='delegate:$value' \
            true 2>err &&
        grep -F -- '$msg' err
    "
done <<'EOF_ROWS'
|no target given
cluster-a|unknown target label
tcp://host:1/x|unsupported URI scheme
local://relative|absolute socket path
local:///|socket path is missing
ssh://host|needs a host and a socket path
ssh://host:99999/tmp/s|port must be a number
EOF_ROWS

test_expect_success 'a non-string delegate value is refused' '
    test_must_fail on $A flux submit \
        --setattr=system.dependencies="[{\"scheme\":\"delegate\",\"value\":42}]" \
        true 2>err &&
    grep "must be a string" err
'
test_expect_success 'two delegate dependencies are refused' '
    test_must_fail on $A flux submit --dependency=delegate:$B \
        --dependency=delegate:$B true 2>err &&
    grep "only one target may be given" err
'
test_expect_success 'a target that cannot be reached: DelegationFailure' '
    id=$(on $A flux submit --dependency=delegate:local:///nonexistent/local-0 \
        true) &&
    wait_event $A $id clean 15 &&
    on $A flux job eventlog $id >log.unreachable &&
    grep "exception type=\"DelegationFailure\"" log.unreachable &&
    grep "note=\"local:///nonexistent/local-0: cannot connect" log.unreachable &&
    test "$(on $A flux jobs -n -o {status} $id)" = "FAILED"
'
test_expect_success 'a target that refuses the submission: DelegationFailure' '
    printf "[policy.limits]\nduration = \"1m\"\n" | config_load $B &&
    id=$(on $A flux submit --dependency=delegate:$B -t 1h true) &&
    wait_event $A $id clean 15 &&
    on $A flux job eventlog $id >log.refused &&
    grep "exception type=\"DelegationFailure\"" log.refused &&
    grep "note=\"$B: submission refused: .*exceeds policy limit" log.refused &&
    test -z "$(remote_jobid $A $id)" &&
    config_load $B </dev/null
'
test_expect_success 'a job the target can never run: DelegationFailure' '
    id=$(on $A flux submit --dependency=delegate:$B -N4 true) &&
    wait_event $A $id clean 15 &&
    on $A flux job eventlog $id >log.infeasible &&
    grep "exception type=\"DelegationFailure\"" log.infeasible &&
    grep "note=\"on $B: unsatisfiable request" log.infeasible
'
test_expect_success 'an alloc exception on the pending remote job: DelegationFailure' '
    blocker=$(on $B flux submit -n1 -c1 sleep inf) &&
    id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $id delegate::submit &&
    rid=$(remote_jobid $A $id) &&
    on $B flux job raise --type=alloc $rid "no resources for you" &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id >log.alloc &&
    grep "exception type=\"DelegationFailure\"" log.alloc &&
    grep "note=\"on $B: no resources for you\"" log.alloc
'
test_expect_success 'a remote job cancelled while pending reads CANCELED' '
    id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $id delegate::submit &&
    rid=$(remote_jobid $A $id) &&
    on $B flux cancel -m "admin said no" $rid &&
    wait_event $A $id clean &&
    test "$(on $A flux jobs -n -o {status} $id)" = "CANCELED" &&
    on $A flux job eventlog $id | grep "note=\"on $B: admin said no\"" &&
    on $B flux cancel $blocker
'
test_expect_success 'a remote job cancelled while running reads CANCELED' '
    id=$(on $A flux submit --dependency=delegate:$B sleep 60) &&
    wait_event $A $id start &&
    rid=$(remote_jobid $A $id) &&
    on $B flux cancel $rid &&
    wait_event $A $id clean &&
    test "$(on $A flux jobs -n -o {status} $id)" = "CANCELED" &&
    test "$(job_result $A $id)" = "$(job_result $B $rid)" &&
    on $A flux job eventlog $id | grep "exception type=\"cancel\".*on $B"
'
test_expect_success 'a source job cancelled before it was sent never runs' '
    first=$(on $A flux submit sleep 30) &&
    id=$(on $A flux submit --dependency=afterany:$first \
        --dependency=delegate:$B true) &&
    on $A flux cancel $id &&
    wait_event $A $id clean &&
    on $A flux cancel $first &&
    test -z "$(remote_jobid $A $id)"
'
test_expect_success 'a source job cancelled while pending remotely cancels it' '
    blocker=$(on $B flux submit -n1 -c1 sleep inf) &&
    id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $id delegate::submit &&
    rid=$(remote_jobid $A $id) &&
    on $A flux cancel $id &&
    on $B flux job wait-event -t 30 $rid clean &&
    test "$(on $B flux jobs -n -o {status} $rid)" = "CANCELED" &&
    on $B flux cancel $blocker
'
test_expect_success 'clean up' '
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
