#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: sibling jobs (siblings[:K]): a job offered to
several accepting targets at once runs on the first that can start it,
exactly once'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 3 "$@"
. /usr/share/sharness/sharness.sh
. "$DELEGATE_TEST_LIB/siblings.sh"

LEASE=1

# the instance at URI accepts delegated jobs (with TOML on stdin, if any)
accepting () {
    { cat; printf '\n[delegate-accept]\n'; } | on "$1" flux config load &&
        load_plugin "$1"
}
# the URI of the target labelled LABEL
uri_of () {
    case "$1" in b) echo $B ;; c) echo $C ;; d) echo $D ;; esac
}
# true if no copy of source job ID has a start event on its target
# (except on LABEL, which is not asked)
no_copy_started () {
    siblings_of $A "$1" | while read label jobid; do
        test "$label" = "${2-}" && continue
        if event_names $(uri_of $label) $jobid | grep -qx start; then
            echo "copy $jobid on $label started" >&2
            exit 1
        fi
    done
}
# true once every copy of source job ID, except on LABEL, is inactive
others_inactive () {
    siblings_of $A "$1" | while read label jobid; do
        test "$label" = "$2" && continue
        test "$(on $(uri_of $label) flux jobs -n -o {state} $jobid)" = INACTIVE ||
            exit 1
    done
}
# the number of jobs in flight the source counts for target LABEL
in_flight () {
    on $A flux jobtap query delegate.so |
        jq -r ".targets[] | select(.label == \"$1\") | .jobs"
}
targets_accept () {
    query_true $A "[.targets[] | select(.label == (\"b\", \"c\", \"d\")) | .accept]
                   == [true, true, true]"
}

test_expect_success 'start source A and accepting targets B, C, D (1 core each)' '
    start_instance A &&
    start_instance B &&
    start_instance C &&
    start_instance D &&
    accepting $B </dev/null &&
    accepting $C </dev/null &&
    accepting $D </dev/null &&
    targets_toml b=$B c=$C d=$D >targets.toml &&
    on $A flux config load targets.toml &&
    load_plugin $A metrics-interval=0.5s link-timeout=10s lease=${LEASE}s &&
    wait_until 20 targets_accept &&
    test "$(on $A flux jobtap query delegate.so | jq .lease)" = "$LEASE"
'
test_expect_success 'a bad lease is refused, naming the option' '
    test_must_fail on $A flux jobtap load $DELEGATE_SO lease=0 &&
    on $A flux dmesg | grep "delegate: lease must be a duration > 0" &&
    test_must_fail on $A flux jobtap load $DELEGATE_SO lease=2h &&
    on $A flux dmesg | grep "delegate: lease=7200: the lease of sibling copies must be more than 0 and at most 3600s"
'
# A copy revoked before its target answered has no delegate::sibling (see
# below): the copies are found as the new jobs of each target.
test_expect_success 'B and C busy, D free: the job runs on D, once' '
    bjob=$(busy $B) && cjob=$(busy $C) &&
    for label in b c d; do
        job_ids $(uri_of $label) >$label.before || return 1
    done &&
    id=$(on $A flux submit --dependency=delegate:siblings \
        sh -c "echo ran >>\"\$0\"" "$PWD/one.out") &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(event_context $A $id delegate::grant label)" = d &&
    test "$(event_context $A $id delegate::submit label)" = d &&
    test "$(on $A flux jobs -n -o "{annotations.user.delegate.target}" $id)" = d &&
    test "$(new_jobs $D d.before)" = "$(flux job id --to=f58 $(remote_jobid $A $id))" &&
    test "$(event_count $A $id delegate::revoke)" = 2 &&
    test "$(wc -l <one.out)" = 1
'
test_expect_success 'one copy went to each of B and C, cancelled there, not started' '
    for label in b c; do
        uri=$(uri_of $label) &&
        wait_until 10 has_new_job $uri $label.before &&
        jobid=$(new_jobs $uri $label.before) &&
        test $(echo $jobid | wc -w) = 1 &&
        on $uri flux job wait-event -t 10 $jobid clean &&
        test "$(on $uri flux jobs -n -o {result} $jobid)" = CANCELED &&
        test_must_fail grep -x start <(event_names $uri $jobid) ||
        return 1
    done
'
test_expect_success 'flux delegate info shows the siblings, the grant and the revocations' '
    FLUX_URI=$A flux delegate info $id >info.out &&
    cat info.out &&
    grep "^siblings:" info.out &&
    grep "d .*granted" info.out &&
    test "$(grep -c "revoked" info.out)" = 2
'
test_expect_success 'the slots of the copies are given back' '
    wait_until 10 query_true $A "[.targets[] | .jobs] == [0, 0, 0]"
'
test_expect_success 'cancel while the siblings are pending: no copy is left anywhere' '
    djob=$(busy $D) &&
    id=$(on $A flux submit --dependency=delegate:siblings true) &&
    wait_until 10 events_are $A $id delegate::sibling 3 &&
    test "$(in_flight b) $(in_flight c) $(in_flight d)" = "1 1 1" &&
    on $A flux cancel $id &&
    wait_event $A $id clean &&
    wait_until 10 others_inactive $id none &&
    no_copy_started $id &&
    wait_until 10 query_true $A "[.targets[] | .jobs] == [0, 0, 0]"
'
test_expect_success 'siblings:2 offers the job to two targets only' '
    id=$(on $A flux submit --dependency=delegate:siblings:2 true) &&
    wait_until 10 events_are $A $id delegate::sibling 2 &&
    on $A flux cancel $id &&
    wait_event $A $id clean
'
test_expect_success 'free the cores of B, C and D' '
    on $B flux cancel $bjob && on $C flux cancel $cjob && on $D flux cancel $djob &&
    on $B flux job wait-event $bjob clean &&
    on $C flux job wait-event $cjob clean &&
    on $D flux job wait-event $djob clean
'
test_expect_success 'twelve jobs, cores freeing at staggered times: each ran once' '
    bjob=$(on $B flux submit --wait-event=start sleep 1) &&
    cjob=$(on $C flux submit --wait-event=start sleep 2) &&
    djob=$(on $D flux submit --wait-event=start sleep 3) &&
    for i in $(seq 1 12); do
        on $A flux submit -S system.delegate=siblings \
            sh -c "echo job-$i >>\"\$0\"; exit $(($i % 4))" "$PWD/twelve.out" ||
            return 1
    done >ids &&
    for id in $(cat ids); do
        wait_event $A $id clean 120 || return 1
    done &&
    test "$(wc -l <twelve.out)" = 12 &&
    test "$(sort -u twelve.out | wc -l)" = 12 &&
    i=0 &&
    for id in $(cat ids); do
        i=$((i + 1)) &&
        test "$(on $A flux jobs -n -o {returncode} $id)" = $((i % 4)) || return 1
    done &&
    for id in $(cat ids); do
        test "$(event_count $A $id start)" = 1 &&
        test "$(event_count $A $id delegate::grant)" -ge 1 || return 1
    done
'
test_expect_success 'a grant that comes after the lease: that copy is cancelled without start, another runs the job once' '
    bjob=$(busy $B) && cjob=$(busy $C) && djob=$(busy $D) &&
    id=$(on $A flux submit --dependency=delegate:siblings \
        sh -c "echo ran >>\"\$0\"" "$PWD/late.out") &&
    wait_until 10 events_are $A $id delegate::sibling 3 &&
    bcopy=$(copy_on $A $id b) &&
    apid=$(broker_pid $A) &&
    kill -STOP $apid &&
    on $B flux cancel $bjob &&
    on $B flux job wait-event -t 10 $bcopy prolog-start &&
    on $B flux job wait-event -t 10 $bcopy clean &&
    bjob=$(busy $B) &&
    kill -CONT $apid &&
    wait_until 10 events_are $A $id delegate::grant 1 &&
    test "$(event_context $A $id delegate::grant label)" = b &&
    on $B flux job eventlog $bcopy >bcopy.log &&
    grep "did not grant this copy within its lease" bcopy.log &&
    awk "{print \$2}" bcopy.log >bcopy.names &&
    test_must_fail grep -x start bcopy.names &&
    on $C flux cancel $cjob &&
    wait_event $A $id clean 60 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(event_context $A $id delegate::submit label)" = c &&
    test "$(wc -l <late.out)" = 1
'
test_expect_success 'a target that answers after another copy was granted: its copy is cancelled when the answer comes' '
    job_ids $C >c.before &&
    cpid=$(broker_pid $C) &&
    test_when_finished "kill -CONT $cpid" &&
    on $D flux cancel $djob &&
    on $D flux job wait-event $djob clean &&
    kill -STOP $cpid &&
    id=$(on $A flux submit --dependency=delegate:siblings \
        sh -c "echo ran >>\"\$0\"" "$PWD/paused.out") &&
    wait_event $A $id start 20 &&
    kill -CONT $cpid &&
    test "$(event_context $A $id delegate::submit label)" = d &&
    on $A flux job eventlog --format=json $id >paused.events &&
    jq -r "select(.name == \"delegate::revoke\" and .context.label == \"c\")
           | \"\(.context.jobid) \(.context.note)\"" paused.events >c.revoke &&
    grep "^null the copy on .* was granted (before its target answered" c.revoke &&
    FLUX_URI=$A flux delegate info $id >paused.info &&
    grep "^  c  *-  *revoked: .*before its target answered" paused.info &&
    wait_until 20 has_new_job $C c.before &&
    ccopy=$(new_jobs $C c.before) &&
    on $C flux job wait-event -t 20 $ccopy clean &&
    test "$(on $C flux jobs -n -o {result} $ccopy)" = CANCELED &&
    on $C flux job eventlog $ccopy >ccopy.log &&
    grep "exception.*note=\"the copy on [^ ]* was granted\"" ccopy.log &&
    test_must_fail grep -x start <(awk "{print \$2}" ccopy.log) &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(wc -l <paused.out)" = 1 &&
    djob=$(busy $D)
'
test_expect_success 'a copy refused by its target: revoked saying why, listed as "-"; another runs the job' '
    printf "[delegate-accept]\nallow-origins = [\"login9\"]\n" | on $C flux config load &&
    test_when_finished "printf \"[delegate-accept]\n\" | on $C flux config load" &&
    id=$(on $A flux submit --dependency=delegate:siblings true) &&
    wait_until 10 events_are $A $id delegate::revoke 1 &&
    on $A flux job eventlog --format=json $id >refused.events &&
    jq -r "select(.name == \"delegate::revoke\")
           | \"\(.context.label) \(.context.jobid) \(.context.note)\"" refused.events >refused.out &&
    grep "^c null .*is not in delegate-accept.allow-origins$" refused.out &&
    FLUX_URI=$A flux delegate info $id >refused.info &&
    grep "^  c  *-  *revoked: .*allow-origins" refused.info &&
    on $D flux cancel $djob &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    test "$(event_context $A $id delegate::submit label)" = d &&
    djob=$(busy $D)
'
test_expect_success 'start a plain target P' '
    start_instance P
'
test_expect_success 'siblings with one accepting target and one plain: as earliest_start, said in the eventlog' '
    targets_toml c=$C p=$P >two.toml &&
    on $A flux config load two.toml &&
    wait_until 20 query_true $A "[.targets[] | select(.label != null) | .accept] == [true, false]" ||
        { on $A flux jobtap query delegate.so | jq -c .targets; false; } &&
    id=$(on $A flux submit --dependency=delegate:siblings true) &&
    wait_event $A $id clean 60 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    event_context $A $id delegate::siblings note >note.out &&
    grep "fewer than two: delegated as earliest_start" note.out &&
    FLUX_URI=$A flux delegate info $id | grep "^note: .*fewer than two" &&
    test "$(event_count $A $id delegate::sibling)" = 0 &&
    test -n "$(event_context $A $id delegate::submit label)"
'
test_expect_success 'B holds its copies in a slow prolog' '
    on $A flux config load targets.toml &&
    on $C flux job wait-event $cjob clean 2>/dev/null;
    cjob=$(busy $C) &&
    on $B flux cancel $bjob &&
    on $B flux job wait-event $bjob clean &&
    printf "[job-manager.prolog]\ncommand = [\"sleep\", \"300\"]\n[delegate-accept]\n" |
        on $B flux config load &&
    on $B flux jobtap load perilog.so &&
    wait_until 20 targets_accept
'
test_expect_success 'the granted target killed between grant and start: DelegationFailure, no copy ran' '
    id=$(on $A flux submit --dependency=delegate:siblings \
        sh -c "echo ran >>\"\$0\"" "$PWD/killed.out") &&
    wait_until 20 events_are $A $id delegate::grant 1 &&
    test "$(event_context $A $id delegate::grant label)" = b &&
    bcopy=$(copy_on $A $id b) &&
    on $B flux job wait-event -t 10 $bcopy prolog-finish &&
    kill -9 $(broker_pid $B) &&
    wait_event $A $id clean 30 &&
    on $A flux job eventlog $id | grep "exception.*type=\"DelegationFailure\"" &&
    wait_until 10 others_inactive $id b &&
    no_copy_started $id b &&
    test ! -e killed.out
'
test_done
