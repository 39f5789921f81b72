#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: configured targets, labels, policies and
failover'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 3 "$@"
. /usr/share/sharness/sharness.sh

# the label a job was delegated to
target_of () {
    event_context $A $1 delegate::submit label
}

# wait until the plugin in instance $1 has metrics for target label $2
wait_metrics () {
    for i in $(seq 1 100); do
        on $1 flux jobtap query delegate.so |
            jq -e ".targets[] | select(.label == \"$2\" and .total != null)
                   | .total.cores > 0" >/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# E first: the scheduler spreads jobs over the ranks, and E needs a
# whole one (2 cores)
test_expect_success 'start source A and targets B, C, D (1 core), E (2 cores)' '
    start_instance E 2 &&
    start_instance A &&
    start_instance B &&
    start_instance C &&
    start_instance D &&
    targets_toml b=$B c=$C d=$D >targets.toml &&
    on $A flux config load targets.toml &&
    load_plugin $A metrics-interval=0.5s link-timeout=3s
'
test_expect_success 'a job sent by label runs on that target' '
    id=$(on $A flux submit --dependency=delegate:c true) &&
    wait_event $A $id clean &&
    test "$(target_of $id)" = "c" &&
    test "$(event_context $A $id delegate::submit uri)" = "$C" &&
    test "$(event_context $A $id delegate::submit attempt)" = "1" &&
    test "$(job_result $A $id)" = "COMPLETED 0"
'
test_expect_success 'a URI equal to a configured one is that target' '
    id=$(on $A flux submit --dependency=delegate:$D true) &&
    wait_event $A $id clean &&
    test "$(target_of $id)" = "d"
'
test_expect_success '-S system.delegate=VALUE works like the dependency' '
    id=$(on $A flux submit -S system.delegate=b true) &&
    wait_event $A $id clean &&
    test "$(target_of $id)" = "b" &&
    test "$(job_result $A $id)" = "COMPLETED 0"
'
test_expect_success 'both forms at once are refused' '
    test_must_fail on $A flux submit -S system.delegate=b \
        --dependency=delegate:c true 2>err &&
    grep "not both" err
'
test_expect_success 'an unknown label is refused and the labels listed' '
    test_must_fail on $A flux submit --dependency=delegate:nope true 2>err &&
    grep "unknown target label .nope. (configured labels: b, c, d)" err
'
test_expect_success 'a non-string system.delegate is refused' '
    test_must_fail on $A flux submit -S system.delegate=42 true 2>err &&
    grep "must be a string" err
'
test_expect_success 'a malformed assign is refused' '
    test_must_fail on $A flux submit --dependency=delegate:assign:x true 2>err &&
    grep "assign:N must be a number" err
'
test_expect_success 'assign:N sends to the Nth target' '
    id=$(on $A flux submit --dependency=delegate:assign:2 true) &&
    wait_event $A $id clean &&
    test "$(target_of $id)" = "d"
'
test_expect_success 'assign:N out of range: DelegationFailure with the range' '
    id=$(on $A flux submit --dependency=delegate:assign:7 true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id |
        grep "DelegationFailure.*assign:7 is out of range.* 0 to 2"
'
test_expect_success 'round_robin goes around the targets' '
    for i in 1 2 3; do
        id=$(on $A flux submit --dependency=delegate:round_robin true) &&
        wait_event $A $id clean &&
        target_of $id >>rr.out || return 1
    done &&
    test "$(sort rr.out | uniq | wc -l)" = 3
'
test_expect_success 'random picks a configured target' '
    id=$(on $A flux submit --dependency=delegate:random true) &&
    wait_event $A $id clean &&
    grep -x "$(target_of $id)" <<-EOT
	b
	c
	d
	EOT
'
test_expect_success 'flux bulksubmit with system.delegate=assign:{seq}' '
    on $A flux bulksubmit -S system.delegate=assign:{seq} true ::: 0 1 2 \
        >bulk.ids &&
    for id in $(cat bulk.ids); do
        wait_event $A $id clean &&
        target_of $id >>bulk.out || return 1
    done &&
    test "$(cat bulk.out | sort | tr "\n" " ")" = "b c d "
'
test_expect_success 'least_pending avoids a loaded target' '
    on $B flux submit -n1 -c1 sleep inf >/dev/null &&
    on $B flux submit -n1 -c1 sleep inf >/dev/null &&
    on $C flux submit -n1 -c1 sleep inf >/dev/null &&
    on $C flux submit -n1 -c1 sleep inf >/dev/null &&
    wait_until 20 query_true $A "[.targets[] | .pending] == [1, 1, 0]" &&
    id=$(on $A flux submit --dependency=delegate:least_pending true) &&
    wait_event $A $id clean &&
    test "$(target_of $id)" = "d"
'
test_expect_success 'shortest_match without Fluxion acts as least_pending' '
    id=$(on $A flux submit --dependency=delegate:shortest_match true) &&
    wait_event $A $id clean &&
    test "$(target_of $id)" = "d"
'
test_expect_success 'earliest_start prefers a target that can start the job now' '
    id=$(on $A flux submit --dependency=delegate:earliest_start true) &&
    wait_event $A $id clean &&
    test "$(target_of $id)" = "d"
'
test_expect_success 'earliest_start: a job no target can hold fails' '
    id=$(on $A flux submit --dependency=delegate:earliest_start -N3 true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id | grep "DelegationFailure.*no target can hold"
'
test_expect_success 'earliest_start: a job only one target can hold goes there' '
    targets_toml b=$B c=$C d=$D e=$E >wide.toml &&
    on $A flux config load wide.toml &&
    wait_metrics $A e &&
    test "$(on $A flux jobtap query delegate.so |
        jq ".targets[] | select(.label == \"e\") | .total.cores")" = 2 &&
    id=$(on $A flux submit --dependency=delegate:earliest_start -n1 -c2 true) &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(target_of $id)" = "e" &&
    on $A flux config load targets.toml
'
test_expect_success 'unload the targets' '
    for t in $B $C $D; do on $t flux cancel --all || return 1; done
'
test_expect_success 'failover: a target that refuses sends the job to the next' '
    printf "[policy.limits]\nduration = \"1m\"\n" | config_load $B &&
    id=$(on $A flux submit --dependency=delegate:assign:0 -t 1h true) &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(on $A flux job eventlog $id | grep -c delegate::submit)" = 1 &&
    test "$(target_of $id)" = "c" &&
    test "$(event_context $A $id delegate::submit attempt)" = "2" &&
    test "$(event_context $A $id delegate::failover label)" = "b" &&
    event_context $A $id delegate::failover note | grep "submission refused"
'
test_expect_success 'failover down the chain; all fail: the note lists each' '
    printf "[policy.limits]\nduration = \"1m\"\n" | config_load $C &&
    printf "[policy.limits]\nduration = \"1m\"\n" | config_load $D &&
    id=$(on $A flux submit --dependency=delegate:assign:1 -t 1h true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id >log.allfail &&
    grep "DelegationFailure.*all targets failed: b ($B): submission refused" \
        log.allfail &&
    grep "c ($C): submission refused" log.allfail &&
    grep "d ($D): submission refused" log.allfail &&
    for t in $B $C $D; do config_load $t </dev/null || return 1; done
'
test_expect_success 'failover past a target that hangs after first contact' '
    C_PID=$(broker_pid $C) &&
    job_ids $C >c.before &&
    kill -STOP $C_PID &&
    test_when_finished "kill -CONT $C_PID" &&
    id=$(on $A flux submit --dependency=delegate:assign:1 true) &&
    wait_event $A $id clean 15 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(target_of $id)" = "d" &&
    on $A flux job eventlog $id >log.hung &&
    grep "delegate::failover uri=\"$C\" label=\"c\" attempt=1 note=\"no answer within 3s\"" log.hung
'
test_expect_success 'after SIGCONT the copy left on the hung target never ran' '
    kill -CONT $C_PID &&
    srcid=$(on $A flux job id --to=dec $id) &&
    wait_until 20 has_new_job $C c.before &&
    rid=$(new_jobs $C c.before) &&
    on $C flux job info $rid jobspec |
        jq -e ".attributes.system.delegate_origin.jobid == $srcid" &&
    on $C flux job wait-event -t 10 $rid clean &&
    on $C flux job eventlog $rid >log.orphan &&
    grep "exception.*type=\"cancel\"" log.orphan &&
    ! grep -w start log.orphan
'
test_expect_success 'a job that named a label never moves elsewhere' '
    printf "[policy.limits]\nduration = \"1m\"\n" | config_load $C &&
    id=$(on $A flux submit --dependency=delegate:c -t 1h true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id | grep "DelegationFailure.*note=\"$C: submission" &&
    config_load $C </dev/null
'
test_expect_success 'an invalid configuration is refused, the old one stays' '
    cat >bad.toml <<-EOT &&
	[[delegate]]
	uri = "$B"
	label = "random"
	EOT
    test_must_fail on $A flux config load bad.toml 2>err &&
    grep "delegate\[0\].label: .random. is a policy name" err &&
    id=$(on $A flux submit --dependency=delegate:c true) &&
    wait_event $A $id clean &&
    test "$(target_of $id)" = "c"
'
test_expect_success 'a duplicate label is refused' '
    cat >dup.toml <<-EOT &&
	[[delegate]]
	uri = "$B"
	label = "x"
	[[delegate]]
	uri = "$C"
	label = "x"
	EOT
    test_must_fail on $A flux config load dup.toml 2>err &&
    grep "delegate\[1\].label: .x. is used twice" err
'
test_expect_success 'the legacy form delegate = [URIs] is picked up live' '
    echo "delegate = [\"$D\", \"$B\"]" >legacy.toml &&
    on $A flux config load legacy.toml &&
    id=$(on $A flux submit --dependency=delegate:assign:0 true) &&
    wait_event $A $id clean &&
    test "$(event_context $A $id delegate::submit uri)" = "$D" &&
    test_must_fail on $A flux submit --dependency=delegate:c true
'
# a shell command that waits until the test creates the file NAME
until_file () {
    echo "while ! test -e '$PWD/$1'; do sleep 0.1; done"
}
# the timestamp of EVENT in the eventlog of job ID on B
b_time () {
    on $B flux job eventlog --format=json $1 |
        jq -r "select(.name == \"$2\") | .timestamp" | head -n1
}
# the copy of source job ID was submitted to B after the copy of source job
# PREV finished there (both times by B's clock)
sent_after_end_of () {
    test "$(echo "$(b_time $(remote_jobid $A $1) submit) > \
        $(b_time $(remote_jobid $A $2) finish)" | bc)" = 1
}
test_expect_success 'max-jobs: past it a named target makes jobs wait' '
    targets_toml b=$B >limits.toml &&
    echo "max-jobs = 1" >>limits.toml &&
    targets_toml c=$C >>limits.toml &&
    on $A flux config load limits.toml &&
    first=$(on $A flux submit --dependency=delegate:b sh -c "$(until_file go.first)") &&
    wait_event $A $first start &&
    second=$(on $A flux submit --dependency=delegate:b true) &&
    third=$(on $A flux submit --dependency=delegate:b true) &&
    wait_until 10 query_true $A ".delegations.wait == 2" &&
    test "$(on $A flux jobs -n -o {state} $second)" = DEPEND &&
    test -z "$(event_context $A $second delegate::submit jobid)" &&
    touch go.first &&
    wait_event $A $third clean &&
    for j in $first $second $third; do
        test "$(job_result $A $j)" = "COMPLETED 0" || return 1
    done &&
    sent_after_end_of $second $first &&
    sent_after_end_of $third $second
'
test_expect_success 'max-jobs: past it a policy sends jobs elsewhere' '
    first=$(on $A flux submit --dependency=delegate:assign:0 \
        sh -c "$(until_file go.first2)") &&
    wait_event $A $first start &&
    second=$(on $A flux submit --dependency=delegate:assign:0 true) &&
    wait_event $A $second clean &&
    test "$(target_of $first)" = b &&
    test "$(target_of $second)" = c &&
    test -z "$(event_context $A $second delegate::failover note)" &&
    touch go.first2 &&
    wait_event $A $first clean
'
test_expect_success 'a bad max-jobs is refused with a message' '
    printf "[[delegate]]\nuri = \"%s\"\nmax-jobs = 0\n" "$B" >bad-limit.toml &&
    test_must_fail on $A flux config load bad-limit.toml 2>err &&
    grep "delegate\[0\].max-jobs: must be an integer from 1 to 1000000" err
'
test_expect_success 'jobtap query lists the configured targets with metrics' '
    on $A flux config load targets.toml &&
    wait_metrics $A b &&
    on $A flux jobtap query delegate.so >q.json &&
    jq -e ".targets[0].label == \"b\" and .targets[0].state == \"up\"" q.json &&
    jq -e ".targets[0].total.cores == 1" q.json
'
test_expect_success 'clean up' '
    for t in $B $C $D; do on $t flux cancel --all; done;
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
