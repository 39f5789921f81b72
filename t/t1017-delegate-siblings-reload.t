#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: sibling jobs across a reload of the plugin on
the source: a grant need not be durable, an ask from before the reload is
never granted, a copy that started is the winner'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh
. "$DELEGATE_TEST_LIB/siblings.sh"

LEASE=2
OPTS="metrics-interval=0.5s link-timeout=10s lease=${LEASE}s"

targets_accept () {
    query_true $A "[.targets[] | .accept] == [true, true, true]"
}
reload () {
    on $A flux jobtap remove delegate.so &&
        on $A flux jobtap load $DELEGATE_SO $OPTS
}

test_expect_success 'start source A and accepting targets B, C, D (1 core each)' '
    start_instance A &&
    for name in B C D; do
        start_instance $name || return 1
    done &&
    for uri in $B $C $D; do
        printf "[delegate-accept]\n" | on $uri flux config load &&
        load_plugin $uri || return 1
    done &&
    targets_toml b=$B c=$C d=$D >targets.toml &&
    on $A flux config load targets.toml &&
    load_plugin $A $OPTS &&
    wait_until 20 targets_accept
'
test_expect_success 'reloaded while its copies are pending: the first target free runs the job, once' '
    bjob=$(busy $B) && cjob=$(busy $C) && djob=$(busy $D) &&
    id=$(on $A flux submit --dependency=delegate:siblings \
        sh -c "echo ran >>\"\$0\"" "$PWD/pending.out") &&
    wait_until 10 events_are $A $id delegate::sibling 3 &&
    reload &&
    wait_until 10 query_true $A ".delegations.offered == 1" &&
    wait_until 20 targets_accept &&
    on $D flux cancel $djob &&
    wait_event $A $id clean 60 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(event_context $A $id delegate::submit label)" = d &&
    test "$(wc -l <pending.out)" = 1 &&
    event_names $B $(copy_on $A $id b) >b.names &&
    test_must_fail grep -x start b.names
'
test_expect_success 'B holds its copies in a prolog of 4 seconds' '
    printf "[job-manager.prolog]\ncommand = [\"sleep\", \"4\"]\n[delegate-accept]\n" |
        on $B flux config load &&
    on $B flux jobtap load perilog.so &&
    djob=$(busy $D)
'
test_expect_success 'reloaded between the grant and the start: the granted copy is the winner' '
    id=$(on $A flux submit --dependency=delegate:siblings \
        sh -c "echo ran >>\"\$0\"" "$PWD/granted.out") &&
    wait_until 10 events_are $A $id delegate::sibling 3 &&
    on $B flux cancel $bjob &&
    wait_until 10 events_are $A $id delegate::grant 1 &&
    test "$(event_context $A $id delegate::grant label)" = b &&
    reload &&
    wait_event $A $id clean 60 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(event_context $A $id delegate::submit label)" = b &&
    test "$(event_count $A $id delegate::grant)" = 1 &&
    test "$(wc -l <granted.out)" = 1
'
test_expect_success 'reloaded while a copy asks and is not granted yet: that ask is never granted, another copy runs the job' '
    bjob=$(busy $B) &&
    id=$(on $A flux submit --dependency=delegate:siblings \
        sh -c "echo ran >>\"\$0\"" "$PWD/asked.out") &&
    wait_until 10 events_are $A $id delegate::sibling 3 &&
    on $A flux jobtap remove delegate.so &&
    on $C flux cancel $cjob &&
    ccopy=$(copy_on $A $id c) &&
    on $C flux job wait-event -t 10 $ccopy prolog-start &&
    on $A flux jobtap load $DELEGATE_SO $OPTS &&
    on $C flux job wait-event -t 20 $ccopy clean &&
    event_names $C $ccopy >c.names &&
    test_must_fail grep -x start c.names &&
    on $C flux job eventlog $ccopy | grep "did not grant this copy within its lease" &&
    on $D flux cancel $djob &&
    wait_event $A $id clean 60 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(wc -l <asked.out)" = 1
'
test_expect_success 'no delegation is left' '
    wait_until 10 query_true $A ".delegations == {}"
'
test_done
