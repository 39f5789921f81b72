#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: malformed delegate values, attributes,
configurations and load options, each with its expected outcome'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

test_expect_success 'start source A and target B' '
    start_instance A &&
    start_instance B &&
    load_plugin $A
'

long=$(head -c 8192 /dev/zero | tr "\0" a)
notutf8=$(printf "\377\376")

# submit ROW-NAME EXPECTED-MESSAGE SUBMIT-ARGS...: refused at submission,
# with a message matching EXPECTED-MESSAGE (grep -E)
submit_refused () {
    local name=$1 msg=$2
    shift 2
    args=("$@")
    test_expect_success "refused at submission: $name" '
        test_must_fail on $A flux submit "${args[@]}" true 2>err &&
        grep -E "$msg" err
    '
}

submit_refused "empty value" "delegate: no target given" \
    --dependency=delegate:
submit_refused "bare local:// scheme" "local://: a local URI needs an absolute socket path" \
    --dependency=delegate:local://
submit_refused "bare ssh:// scheme" "ssh://: an ssh URI needs a host and a socket path" \
    --dependency=delegate:ssh://
submit_refused "ssh URI without a path" "ssh://host: an ssh URI needs a host and a socket path" \
    --dependency=delegate:ssh://host
submit_refused "relative local path" "local://rel/path: a local URI needs an absolute socket path" \
    --dependency=delegate:local://rel/path
submit_refused "unsupported scheme" "tcp://h:1: unsupported URI scheme .tcp." \
    --dependency=delegate:tcp://h:1
submit_refused "ssh port out of range" "the ssh port must be a number from 1 to 65535" \
    --dependency=delegate:ssh://h:99999/x
submit_refused "unknown label" "unknown target label .nosuch. \(configured labels: none\)" \
    --dependency=delegate:nosuch
submit_refused "non-numeric assign index" "assign:x: the index of assign:N must be a number >= 0" \
    --dependency=delegate:assign:x
submit_refused "negative assign index" "assign:-1: the index of assign:N must be a number >= 0" \
    --dependency=delegate:assign:-1
submit_refused "assign without index" "assign:: assign needs a target index" \
    --dependency=delegate:assign:
submit_refused "a policy name with a suffix" "random:extra: not a URI .*, a policy or a label" \
    --dependency=delegate:random:extra
submit_refused "a value of 8 KiB" "the target is longer than 1024 bytes" \
    --dependency=delegate:$long
submit_refused "bytes that are not UTF-8" "invalid JSON: unable to decode byte 0xff" \
    --dependency=delegate:$notutf8
submit_refused "system.delegate a number" "delegate: the target must be a string" \
    -S system.delegate=42
submit_refused "system.delegate an object" "delegate: the target must be a string" \
    -S "system.delegate={\"uri\":\"x\"}"
submit_refused "system.delegate an array" "delegate: the target must be a string" \
    -S "system.delegate=[\"a\"]"
submit_refused "system.delegate null" "delegate: the target must be a string" \
    -S system.delegate=null
submit_refused "both forms at once" "not both" \
    -S system.delegate=x --dependency=delegate:y
submit_refused "two delegate dependencies" "only one target may be given" \
    --dependency=delegate:assign:0 --dependency=delegate:assign:1

test_expect_success 'exception: a policy with no target configured' '
    id=$(on $A flux submit --dependency=delegate:assign:3 true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id |
        grep "exception type=\"DelegationFailure\".*note=\"no targets are configured\""
'
test_expect_success 'exception: an unreachable socket ends the job' '
    id=$(on $A flux submit --dependency=delegate:local:///nonexistent/sock true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id |
        grep "exception type=\"DelegationFailure\".*local:///nonexistent/sock: cannot connect"
'

# config_refused ROW-NAME EXPECTED-MESSAGE TOML: flux config load fails
# with the message; the configuration in force stays
config_refused () {
    local name=$1 msg=$2 toml=$3
    test_expect_success "configuration refused: $name" '
        printf "%b\n" "$toml" >bad.toml &&
        test_must_fail on $A flux config load bad.toml 2>err &&
        grep -E "$msg" err
    '
}

config_refused "delegate a string" "delegate: expected \[\[delegate\]\] tables or an array of URIs" \
    'delegate = "local:///tmp/x"'
config_refused "delegate a number" "delegate: expected" 'delegate = 3'
config_refused "missing uri" "delegate\[0\]: the key .uri. is required" \
    '[[delegate]]\nlabel = "a"'
config_refused "uri of the wrong type" "delegate\[0\].uri: must be a string" \
    '[[delegate]]\nuri = 7'
config_refused "a bad uri" "delegate\[0\].uri: .*unsupported URI scheme" \
    '[[delegate]]\nuri = "http://x/y"'
config_refused "label of the wrong type" "delegate\[0\].label: must be a string" \
    '[[delegate]]\nuri = "local:///tmp/a"\nlabel = 1'
config_refused "an empty label" "delegate\[0\].label: a label may not be empty" \
    '[[delegate]]\nuri = "local:///tmp/a"\nlabel = ""'
config_refused "duplicate labels" "delegate\[1\].label: .x. is used twice" \
    '[[delegate]]\nuri = "local:///tmp/a"\nlabel = "x"\n[[delegate]]\nuri = "local:///tmp/b"\nlabel = "x"'
config_refused "a label that is a policy" "delegate\[0\].label: .random. is a policy name" \
    '[[delegate]]\nuri = "local:///tmp/a"\nlabel = "random"'
config_refused "an unknown key" "delegate\[0\]: unknown key .weight." \
    '[[delegate]]\nuri = "local:///tmp/a"\nweight = 1'
config_refused "max-jobs a string" "delegate\[0\].max-jobs: must be an integer from 1 to 1000000" \
    '[[delegate]]\nuri = "local:///tmp/a"\nmax-jobs = "10"'
config_refused "legacy list with a label, not a URI" "delegate\[1\].uri: cluster-x: not a URI" \
    'delegate = ["local:///tmp/a", "cluster-x"]'

test_expect_success 'load options refused: the load fails, the reason logged' '
    on $A flux jobtap remove delegate.so &&
    test_must_fail load_plugin $A link-timeout=abc &&
    test_must_fail load_plugin $A metrics-interval=-1 &&
    test_must_fail load_plugin $A link-idle=soon &&
    on $A flux dmesg >dmesg.out &&
    grep "delegate: link-timeout must be a duration > 0" dmesg.out &&
    grep "delegate: metrics-interval must be a duration > 0" dmesg.out &&
    grep "delegate: link-idle must be a duration > 0" dmesg.out &&
    load_plugin $A
'
test_expect_success 'the broker is up, and a good configuration works' '
    on $A flux getattr rank &&
    targets_toml good=$B >good.toml &&
    on $A flux config load good.toml &&
    id=$(on $A flux submit --dependency=delegate:good true) &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0"
'
test_expect_success 'exception: assign:N out of range gives the valid range' '
    id=$(on $A flux submit --dependency=delegate:assign:3 true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id |
        grep "DelegationFailure.*assign:3 is out of range: the configured targets are 0 to 0"
'
test_expect_success 'only-configured=true: a free-form URI is refused' '
    on $A flux jobtap remove delegate.so &&
    load_plugin $A only-configured=true &&
    on $A flux jobtap query delegate.so | jq -e ".\"only-configured\" == true" &&
    test_must_fail on $A flux submit \
        --dependency=delegate:local:///tmp/elsewhere/local-0 true 2>err &&
    grep "local:///tmp/elsewhere/local-0: not a configured target, and only-configured is on" err &&
    id=$(on $A flux submit --dependency=delegate:$B true) &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0"
'
test_expect_success 'a multi-user instance refuses free-form URIs by default' '
    on $A flux jobtap remove delegate.so &&
    load_plugin $A &&
    on $A flux jobtap query delegate.so | jq -e ".\"only-configured\" == false" &&
    cat good.toml >multi.toml &&
    printf "[access]\nallow-guest-user = true\n" >>multi.toml &&
    on $A flux config load multi.toml &&
    on $A flux jobtap query delegate.so | jq -e ".\"only-configured\" == true" &&
    test_must_fail on $A flux submit \
        --dependency=delegate:local:///tmp/elsewhere/local-0 true 2>err &&
    grep "not a configured target, and only-configured is on" err &&
    on $A flux config load good.toml
'
test_expect_success 'a bad only-configured is refused at load' '
    on $A flux jobtap remove delegate.so &&
    test_must_fail load_plugin $A only-configured=maybe &&
    on $A flux dmesg | grep "delegate: only-configured must be true or false" &&
    load_plugin $A
'
test_expect_success 'clean up' '
    on $B flux cancel --all;
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean
'
test_done
