#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: link-idle: a link that is not kept closes its
connection, and its thread ends, once it had nothing to do for that long; the
next job opens it again; a configured target stays connected'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
. "$DELEGATE_TEST_LIB/sshd.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

# The state of target URI as the plugin in instance A shows it.
target_state () {
    on $A flux jobtap query delegate.so |
        jq -r ".targets[] | select(.uri == \"$1\") | .state"
}

# Wait (10s at most) until target URI is in STATE.
wait_target_state () {
    local i
    for i in $(seq 1 100); do
        test "$(target_state $1)" = "$2" && return 0
        sleep 0.1
    done
    echo "target $1 is $(target_state $1), not $2" >&2
    return 1
}

# Wait (SECS at most) until no process matches PATTERN.
wait_no_process () {
    local i
    for i in $(seq 1 $((${2:-10} * 10))); do
        pgrep -f "$1" >/dev/null || return 0
        sleep 0.1
    done
    echo "still running: $(pgrep -af "$1")" >&2
    return 1
}

# sshd_config cannot name paths with spaces, as the trash directory has
test_expect_success 'start sshd on 127.0.0.1 (FLUX_SSH set for instance A)' '
    sshd_dir=$(mktemp -d /tmp/delegate-sshd.XXXXXX) &&
    sshd_start "$sshd_dir"
'
test_expect_success 'start instances A (source, link-idle=1s), B and C' '
    start_instance A &&
    start_instance B &&
    start_instance C &&
    load_plugin $A link-idle=1s &&
    test "$(link_threads $A)" = 0
'
test_expect_success 'a job to B, not configured: its link thread ends once idle' '
    id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $id clean 20 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    wait_link_threads $A 0 10 &&
    wait_target_state $B down
'
test_expect_success 'a second job to B: the link opens again' '
    id2=$(on $A flux submit --dependency=delegate:$B sh -c "echo again") &&
    wait_event $A $id2 clean 20 &&
    test "$(job_result $A $id2)" = "COMPLETED 0" &&
    on $A flux job attach $id2 >out2 &&
    test "$(cat out2)" = again &&
    test "$(remote_jobid $A $id2)" != "$(remote_jobid $A $id)" &&
    wait_link_threads $A 0 10
'
test_expect_success 'over ssh://: the ssh process goes with the idle link' '
    B_SSH=$(sshd_uri $B) &&
    ssh_pat="ssh_config.*flux relay ${B#local://}" &&
    id=$(on $A flux submit --dependency=delegate:$B_SSH sleep 0.5) &&
    wait_event $A $id start 20 &&
    pgrep -f "$ssh_pat" &&
    wait_event $A $id clean 20 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    wait_no_process "$ssh_pat" 10 &&
    wait_link_threads $A 0 10
'
test_expect_success 'a second job over ssh:// reconnects' '
    id=$(on $A flux submit --dependency=delegate:$B_SSH sh -c "echo ssh-again") &&
    wait_event $A $id clean 20 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    on $A flux job attach $id >out3 &&
    test "$(cat out3)" = ssh-again
'
test_expect_success 'a configured target (C) stays connected while B idles out' '
    targets_toml c=$C >targets.toml &&
    on $A flux config load targets.toml &&
    wait_link_threads $A 1 10 &&
    c=$(on $A flux submit --dependency=delegate:c true) &&
    wait_event $A $c clean 20 &&
    b=$(on $A flux submit --dependency=delegate:$B sleep 1.5) &&
    wait_event $A $b clean 20 &&
    wait_target_state $B down &&
    wait_link_threads $A 1 10 &&
    test "$(target_state $C)" = up
'
test_expect_success 'clean up' '
    sshd_stop &&
    rm -rf "$sshd_dir" &&
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
