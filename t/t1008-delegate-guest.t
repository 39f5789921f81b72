#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: a job of a guest (not the instance owner) to
a target that does not accept delegated jobs is refused at submission,
never sent under the owner identity (to one that does: t1013, t1014)

A guest is simulated as flux-core tests do: the jobspec is signed for
another userid (mech none, which needs flux-core built with flux-security)
and submitted with FLUX_HANDLE_USERID set to that userid.'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh
target_prereqs

GUEST=$(($(id -u) + 4242))

# Submit ARGS to instance A as the guest; print the job id.
submit_as_guest () {
    submit_as $GUEST $A "$@"
}

test_expect_success 'flux-core is built with flux-security (to sign as a guest)' '
    flux version >version &&
    grep libflux-security version ||
        { echo "flux-core lacks flux-security: build flux-security, then" \
            "flux-core with --with-flux-security (see README)" >&2;
          false; }
'
test_expect_success 'start source A and target B; B is target b' '
    start_instance A &&
    start_instance B &&
    load_plugin $A &&
    targets_toml b=$B >targets.toml &&
    printf "[exec.testexec]\nallow-guests = true\n" >>targets.toml &&
    on $A flux config load targets.toml &&
    job_ids $B >b.before
'
test_expect_success 'a guest job that asks for no delegation runs locally' '
    id=$(submit_as_guest -S system.exec.test.run_duration=0.1s true) &&
    wait_event $A $id clean &&
    test "$(on $A flux jobs -n -o "{userid} {status}" $id)" = "$GUEST COMPLETED"
'
guest_refused () {
    local name=$1
    shift
    args=("$@")
    test_expect_success PLAIN_TARGETS "a guest job is refused: $name" '
        test_must_fail submit_as_guest "${args[@]}" true 2>err &&
        grep -E "(does not accept|is not known to accept) other users.* jobs \((no \[delegate-accept\]|not connected yet)\)$|no target of .* takes other users.* jobs \(it must accept them and be connected\)$" err
    '
}
guest_refused "--dependency=delegate:URI" --dependency=delegate:$B
guest_refused "--dependency=delegate:LABEL" --dependency=delegate:b
guest_refused "-S system.delegate=LABEL" -S system.delegate=b
guest_refused "-S system.delegate=POLICY" -S system.delegate=round_robin
guest_refused "-S system.delegate=assign:0" -S system.delegate=assign:0

test_expect_success PLAIN_TARGETS 'no guest job reached the target' '
    job_ids $B >b.after &&
    test_cmp b.before b.after
'
test_expect_success 'the owner delegates as before' '
    id=$(on $A flux submit --dependency=delegate:b sh -c "exit 5") &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "FAILED 5" &&
    on $B flux jobs -a -n -o {userid} >b.users &&
    test "$(cat b.users)" = "$(id -u)"
'
test_expect_success 'clean up' '
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean &&
    flux job wait-event -t 30 $B_ID clean
'
test_done
