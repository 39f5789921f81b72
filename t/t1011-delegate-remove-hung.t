#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: flux jobtap remove while a link thread is stuck
connecting to a stopped target: the remove returns at once, the thread is
left to end by itself once the target resumes, and the source broker lives on'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

# Wait (SECS at most) until every link thread of the broker of URI is
# blocked in a system call that is not the poll of its reactor: flux_open
# waits for the stopped target's handshake in a read.
wait_threads_blocked_reading () {
    local pid=$(broker_pid "$1") i t n
    for i in $(seq 1 $((${2:-10} * 10))); do
        n=0
        for t in /proc/$pid/task/*; do
            grep -qx delegate-link $t/comm 2>/dev/null || continue
            # x86_64 and aarch64 numbers of read(2), recvmsg(2)
            case "$(cut -d" " -f1 $t/syscall 2>/dev/null)" in
            0|47|63|212) n=$((n + 1)) ;;
            esac
        done
        test $n -ge 1 && return 0
        sleep 0.1
    done
    echo "no link thread of $1 is blocked reading" >&2
    return 1
}

test_expect_success 'start instances A (source), B and C (targets)' '
    start_instance A &&
    start_instance B &&
    start_instance C &&
    load_plugin $A &&
    C_PID=$(broker_pid $C)
'
test_expect_success 'a job to C, stopped (SIGSTOP) and never contacted: its link
thread is stuck in the handshake' '
    kill -STOP $C_PID &&
    stuck=$(on $A flux submit --dependency=delegate:$C true) &&
    wait_link_threads $A 1 &&
    wait_threads_blocked_reading $A
'
test_expect_success 'flux jobtap remove returns within 2s' '
    t0=$(date +%s.%N) &&
    on $A timeout 10 flux jobtap remove delegate.so &&
    t1=$(date +%s.%N) &&
    echo "$t1 - $t0" | bc -l >elapsed &&
    test "$(echo "$t1 - $t0 < 2" | bc -l)" = 1
'
test_expect_success 'the stuck thread is left running, not cancelled' '
    test "$(link_threads $A)" = 1 &&
    on $A flux getattr size
'
test_expect_success 'C resumed: the thread ends by itself within 10s' '
    kill -CONT $C_PID &&
    wait_link_threads $A 0 10
'
test_expect_success 'the source broker is up: ping, local jobs, flux jobs' '
    on $A flux ping -c 1 broker &&
    timeout 10 env FLUX_URI=$A flux run -n1 true &&
    on $A flux jobs -a -n >/dev/null
'
test_expect_success 'the thread sent nothing to C after the remove' '
    test -z "$(on $C flux jobs -a -n -o {id})"
'
test_expect_success 'the plugin loads again: jobs to a live target run, the
stuck job is taken over' '
    load_plugin $A &&
    id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $id clean 20 &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    wait_event $A $stuck clean 20 &&
    test "$(job_result $A $stuck)" = "COMPLETED 0" &&
    test "$(on $C flux jobs -a -n -o {id} | wc -l)" = 1
'
test_expect_success 'remove and load again while nothing is stuck' '
    on $A flux jobtap remove delegate.so &&
    wait_link_threads $A 0 &&
    load_plugin $A &&
    id=$(on $A flux submit --dependency=delegate:$C true) &&
    wait_event $A $id clean 20 &&
    test "$(job_result $A $id)" = "COMPLETED 0"
'
test_expect_success 'clean up' '
    kill -CONT $C_PID &&
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
