#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: delegation by ssh:// URI through a throwaway
sshd on 127.0.0.1'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
. "$DELEGATE_TEST_LIB/sshd.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh
target_prereqs

# sshd_config cannot name paths with spaces, as the trash directory has
test_expect_success 'start sshd on 127.0.0.1 (FLUX_SSH set for instance A)' '
    sshd_dir=$(mktemp -d /tmp/delegate-sshd.XXXXXX) &&
    sshd_start "$sshd_dir"
'
test_expect_success 'start instances A (source) and B, C (targets)' '
    start_instance A &&
    start_instance B &&
    start_instance C &&
    load_plugin $A &&
    B_SSH=$(sshd_uri $B) &&
    C_SSH=$(sshd_uri $C) &&
    echo "$B_SSH" | grep "^ssh://127.0.0.1:$SSHD_PORT/"
'
test_expect_success 'a job delegated by ssh:// runs on B' '
    id=$(on $A flux submit --dependency=delegate:$B_SSH sh -c "echo hi; exit 3") &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "FAILED 3" &&
    test_expect_code 3 on $A flux job status $id &&
    rid=$(remote_jobid $A $id) &&
    test "$(event_context $A $id delegate::submit uri)" = "$B_SSH" &&
    test_expect_code 3 on $B flux job attach $rid >out 2>/dev/null &&
    test "$(cat out)" = "hi"
'
test_expect_success 'flux cancel on the source cancels the remote job over ssh' '
    id=$(on $A flux submit --dependency=delegate:$B_SSH sleep 60) &&
    wait_event $A $id start &&
    rid=$(remote_jobid $A $id) &&
    on $A flux cancel $id &&
    on $B flux job wait-event -t 30 $rid clean &&
    test "$(on $B flux jobs -n -o {status} $rid)" = "CANCELED"
'
test_expect_success 'a remote job cancelled over ssh reads CANCELED' '
    id=$(on $A flux submit --dependency=delegate:$B_SSH sleep 60) &&
    wait_event $A $id start &&
    on $B flux cancel -m "stop it" $(remote_jobid $A $id) &&
    wait_event $A $id clean &&
    test "$(on $A flux jobs -n -o {status} $id)" = "CANCELED" &&
    on $A flux job eventlog $id | grep "note=\"on $B_SSH: stop it\""
'
test_expect_success 'connection drop: ssh killed under running jobs' '
    ssh_pat="ssh_config.*flux relay ${B#local://}" &&
    a=$(on $A flux submit --dependency=delegate:$B_SSH \
        sh -c "for i in 1 2 3 4 5 6; do echo \$i; sleep 0.5; done; exit 3") &&
    b=$(on $A flux submit --dependency=delegate:$B_SSH \
        sh -c "sleep 3; echo two") &&
    wait_event $A $a start &&
    wait_event $A $b start &&
    old=$(pgrep -f "$ssh_pat") &&
    test -n "$old" &&
    on $A flux job wait-event -t 10 -p output $a data &&
    pkill -f "$ssh_pat" &&
    for i in $(seq 1 50); do
        new=$(pgrep -f "$ssh_pat") && test "$new" != "$old" && break
        sleep 0.2
    done &&
    test -n "$new" && test "$new" != "$old"
'
test_expect_success 'the link reconnects: both jobs end with their remote result' '
    wait_event $A $a clean 20 &&
    wait_event $A $b clean 20 &&
    test "$(job_result $A $a)" = "FAILED 3" &&
    test "$(job_result $A $b)" = "COMPLETED 0" &&
    test_expect_code 3 on $A flux job attach $a >out.a 2>/dev/null &&
    test "$(echo $(cat out.a))" = "1 2 3 4 5 6" &&
    on $A flux job attach $b >out.b &&
    test "$(cat out.b)" = "two" &&
    ! on $A flux job eventlog $a | grep -i exception &&
    ! on $A flux job eventlog $b | grep -i exception
'
test_expect_success 'an alloc exception over ssh: DelegationFailure' '
    id=$(on $A flux submit --dependency=delegate:$B_SSH -N4 true) &&
    wait_event $A $id clean 15 &&
    on $A flux job eventlog $id |
        grep "DelegationFailure.*note=\"on $B_SSH: unsatisfiable"
'
test_expect_success 'a submission refused over ssh: DelegationFailure' '
    printf "[policy.limits]\nduration = \"1m\"\n" | config_load $B &&
    test_when_finished "config_load $B </dev/null" &&
    id=$(on $A flux submit --dependency=delegate:$B_SSH -t 1h true) &&
    wait_event $A $id clean 15 &&
    on $A flux job eventlog $id |
        grep "DelegationFailure.*note=\"$B_SSH: submission refused"
'
test_expect_success 'an ssh host that cannot be reached: DelegationFailure' '
    bad=ssh://127.0.0.1:1/tmp/nothing/local-0 &&
    id=$(on $A flux submit --dependency=delegate:$bad true) &&
    wait_event $A $id clean 15 &&
    on $A flux job eventlog $id |
        grep "DelegationFailure.*note=\"$bad: cannot connect"
'
test_expect_success 'a remote timeout over ssh reads TIMEOUT on the source' '
    id=$(on $A flux submit --dependency=delegate:$B_SSH -t 1s sleep 30) &&
    wait_event $A $id clean 30 &&
    test "$(on $A flux jobs -n -o {status} $id)" = "TIMEOUT"
'
test_expect_success 'a stopped target broker behind ssh: DelegationFailure
within 15s, local jobs unaffected' '
    C_PID=$(broker_pid $C) &&
    kill -STOP $C_PID &&
    test_when_finished "kill -CONT $C_PID" &&
    id=$(on $A flux submit --dependency=delegate:$C_SSH true) &&
    timeout 2 env FLUX_URI=$A flux run -n1 true &&
    wait_event $A $id clean 15 &&
    on $A flux job eventlog $id |
        grep "DelegationFailure.*note=\"$C_SSH: no answer within 10s\""
'
# The user@ form is another URI string, so a new link: its first contact
# goes through the stopped sshd.
test_expect_success 'a stopped sshd: DelegationFailure within 15s' '
    C_SSH2=$(sshd_uri $C | sed "s|^ssh://|ssh://$(id -un)@|") &&
    sshd_pause &&
    test_when_finished sshd_resume &&
    id=$(on $A flux submit --dependency=delegate:$C_SSH2 true) &&
    timeout 2 env FLUX_URI=$A flux run -n1 true &&
    wait_event $A $id clean 15 &&
    on $A flux job eventlog $id | grep "exception type=\"DelegationFailure\""
'
# A job sent through each link to C once both C and sshd answer again runs
# there: the links have done all they had queued.  Then a window for a late
# copy of the failed jobs, which must not come.
test_expect_success 'the failed jobs never reach C: its only jobs are two sent later' '
    p1=$(on $A flux submit --dependency=delegate:$C_SSH true) &&
    p2=$(on $A flux submit --dependency=delegate:$C_SSH2 true) &&
    wait_event $A $p1 clean 30 &&
    wait_event $A $p2 clean 30 &&
    test "$(job_result $A $p1)" = "COMPLETED 0" &&
    test "$(job_result $A $p2)" = "COMPLETED 0" &&
    sleep 1 &&
    on $C flux jobs -a -n -o {id.dec} | sort >c.jobs &&
    printf "%s\n" $(remote_jobid $A $p1) $(remote_jobid $A $p2) | sort >c.expected &&
    test_cmp c.expected c.jobs
'
# The copy reaches C's socket while C is stopped; the connection then
# drops before C answers.  When C resumes it creates the job: held, so it
# cannot run, and found by its origin and cancelled.  (A target that
# accepts is sent the same request again once it answers, and makes one
# copy: t1014.)
# C is polled (so connected) before it stops: the submission is sent
test_expect_success PLAIN_TARGETS 'a submission whose answer was lost: failover to B' '
    targets_toml c=$C_SSH b=$B_SSH >ssh-targets.toml &&
    on $A flux config load ssh-targets.toml &&
    wait_until 10 query_true $A ".targets[] | select(.label == \"c\") | .metrics" &&
    job_ids $C >c.before &&
    kill -STOP $C_PID &&
    test_when_finished "kill -CONT $C_PID" &&
    lost=$(on $A flux submit --dependency=delegate:assign:0 true) &&
    wait_until 10 query_true $A ".delegations == {\"submit\": 1}" &&
    sleep 1 &&
    pkill -f "ssh_config.*flux relay ${C#local://}" &&
    wait_event $A $lost clean 15 &&
    test "$(job_result $A $lost)" = "COMPLETED 0" &&
    test "$(event_context $A $lost delegate::submit label)" = b &&
    test "$(event_context $A $lost delegate::submit attempt)" = 2 &&
    on $A flux job eventlog $lost >log.lost &&
    grep "delegate::failover.*note=\"connection lost before the target answered\"" \
        log.lost
'
# C lists a job it did not list before (its id in rid), and it is clean
new_job_on_C_clean () {
    rid=$(new_jobs $C c.before) &&
    test -n "$rid" &&
    on $C flux job wait-event -t 0.2 $rid clean 2>/dev/null
}
test_expect_success PLAIN_TARGETS 'when C answers again, the orphan is found and cancelled' '
    kill -CONT $C_PID &&
    srcid=$(on $A flux job id --to=dec $lost) &&
    wait_until 45 new_job_on_C_clean &&
    on $C flux job info $rid jobspec |
        jq -e ".attributes.system.delegate_origin.jobid == $srcid" &&
    on $C flux job eventlog $rid >log.orphan &&
    grep "type=\"cancel\".*orphan of source job $srcid" log.orphan &&
    ! grep -w start log.orphan
'
test_expect_success 'clean up' '
    sshd_stop &&
    rm -rf "$sshd_dir" &&
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
