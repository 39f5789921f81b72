#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: output, whereabouts and flux delegate on the
source instance'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

test_expect_success 'flux delegate is found by flux (FLUX_EXEC_PATH)' '
    flux delegate --help >help.out 2>&1 &&
    grep "flux-delegate list" help.out &&
    grep "flux-delegate info JOBID" help.out
'
test_expect_success 'start source A and targets B, C; configure them' '
    start_instance A &&
    start_instance B &&
    start_instance C &&
    targets_toml b=$B c=$C >targets.toml &&
    on $A flux config load targets.toml &&
    load_plugin $A metrics-interval=0.5s link-timeout=3s
'
test_expect_success 'attach shows the output of a remote job blocked after printing' '
    id=$(on $A flux submit --dependency=delegate:b \
        sh -c "echo live-out; echo live-err >&2; exec sleep 300") &&
    wait_event $A $id start &&
    test_expect_code 137 on $A timeout -s KILL 5 flux job attach $id \
        >live.out 2>live.err &&
    grep -x live-out live.out &&
    grep -x live-err live.err
'
test_expect_success 'flux job kill on the source signals the remote job' '
    rid=$(remote_jobid $A $id) &&
    on $A flux job kill $id &&
    wait_event $A $id clean &&
    on $B flux job wait-event -t 10 $rid clean &&
    test "$(on $B flux jobs -n -o {returncode} $rid)" = 143 &&
    test "$(job_result $A $id)" = "$(job_result $B $rid)"
'
test_expect_success 'attach after the end: all output and the remote exit code' '
    id=$(on $A flux submit --dependency=delegate:b \
        sh -c "echo done-out1; echo done-err >&2; echo done-out2; exit 3") &&
    wait_event $A $id clean &&
    test_expect_code 3 on $A flux job attach $id >end.out 2>end.err &&
    printf "done-out1\ndone-out2\n" >end.expected &&
    test_cmp end.expected end.out &&
    grep -x done-err end.err &&
    grep "exit code 3" end.err
'
test_expect_success 'attach from submission to the end with stdin piped in' '
    id=$(on $A flux submit --dependency=delegate:c \
        sh -c "sleep 1; echo piped-out") &&
    echo "not forwarded" | on $A flux job attach $id >piped.out 2>piped.err &&
    grep -x piped-out piped.out &&
    test_must_fail grep "not forwarded" piped.out
'
test_expect_success 'the memo delegate.target names the target' '
    test "$(on $A flux jobs -n -o "{annotations.user.delegate.target}" $id)" = c &&
    uri_id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $uri_id clean &&
    test "$(on $A flux jobs -n -o "{annotations.user.delegate.target}" $uri_id)" = b
'
test_expect_success 'the default flux jobs listing shows the remote nodelist' '
    id=$(on $A flux submit --dependency=delegate:b sleep 300) &&
    wait_event $A $id start &&
    rid=$(remote_jobid $A $id) &&
    remote_nodes=$(on $B flux jobs -n -o {nodelist} $rid) &&
    test -n "$remote_nodes" &&
    on $A flux jobs -n >jobs.out &&
    grep "$(on $A flux job id --to=f58 $id).* R .*$remote_nodes\$" jobs.out
'
test_expect_success 'jobtap query: targets, health and delegations by state' '
    on $A flux jobtap query delegate.so >q.json &&
    jq -e ".targets | map(.label) == [\"b\", \"c\"]" q.json &&
    jq -e ".targets[0].state == \"up\" and .targets[0].jobs == 1" q.json &&
    jq -e ".delegations.running == 1" q.json &&
    jq -e ".\"link-timeout\" == 3 and .\"link-idle\" == 60 and .\"metrics-interval\" == 0.5" q.json &&
    on $A flux cancel $id &&
    wait_event $A $id clean
'
# flux delegate list at URI shows the line of label b with load LOAD
b_load_listed () {
    on $1 flux delegate list >list.out &&
    grep "^b *up *$(accept_column) *$2 *$B\$" list.out
}
test_expect_success 'flux delegate list: a line per target with its load' '
    on $B flux submit -n1 -c1 sleep 300 >/dev/null &&
    on $B flux submit -n1 -c1 sleep 300 >/dev/null &&
    wait_until 10 b_load_listed $A "0 *1 *1 *0/1 *0/1 *0/0" &&
    cat list.out &&
    head -n1 list.out | grep "^LABEL *STATE *ACCEPT *JOBS *PENDING *RUNNING *NODES *CORES *GPUS *URI" &&
    grep "^b *up *$(accept_column) *0 *1 *1 *0/1 *0/1 *0/0 *$B\$" list.out &&
    grep "^c *up *$(accept_column) *0 *0 *0 *1/1 *1/1 *0/0 *$C\$" list.out &&
    on $B flux cancel --all
'
test_expect_success 'flux delegate list shows a stopped target down, within 2s' '
    C_PID=$(broker_pid $C) &&
    kill -STOP $C_PID &&
    test_when_finished "kill -CONT $C_PID" &&
    for i in $(seq 1 20); do
        timeout 2 env FLUX_URI=$A flux delegate list -n >stopped.out ||
            return 1
        grep -q "^c *down" stopped.out && break
        sleep 0.5
    done &&
    grep "^c *down" stopped.out &&
    grep "^b *up" stopped.out
'
test_expect_success 'flux delegate info: each attempt, the target, the remote id' '
    kill -STOP $C_PID &&
    test_when_finished "kill -CONT $C_PID" &&
    id=$(on $A flux submit --dependency=delegate:assign:1 sh -c "exit 5") &&
    wait_event $A $id clean 15 &&
    on $A flux delegate info $id >info.out &&
    cat info.out &&
    rid=$(on $A flux job id --to=f58 $(remote_jobid $A $id)) &&
    grep "^  1 *c *failed: no answer within 3s" info.out &&
    grep "^  2 *b *remote job $rid: finished, exit code 5" info.out &&
    grep "^target: b\$" info.out &&
    grep "^remote job: $rid\$" info.out &&
    grep "^runs as: the target.s instance owner\$" info.out
'
test_expect_success 'after SIGCONT the target is up again' '
    for i in $(seq 1 20); do
        on $A flux delegate list -n | grep -q "^c *up" && break
        sleep 0.5
    done &&
    on $A flux delegate list -n | grep "^c *up"
'
test_expect_success 'flux delegate info: a failed delegation, a local job' '
    id=$(on $A flux submit --dependency=delegate:assign:7 true) &&
    wait_event $A $id clean &&
    on $A flux delegate info $id >failed.out &&
    grep "exception DelegationFailure: assign:7" failed.out &&
    local=$(on $A flux submit true) &&
    test_must_fail on $A flux delegate info $local 2>local.err &&
    grep "the job was not delegated" local.err &&
    test_must_fail on $A flux delegate info 12zz 2>bad.err &&
    grep "12zz: not a job id" bad.err
'
test_expect_success 'clean up' '
    for t in $B $C; do on $t flux cancel --all; done;
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
