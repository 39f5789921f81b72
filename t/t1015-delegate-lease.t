#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: a copy of a sibling job (accept request with
a lease) is held before it starts until granted, cancelled without start if
the grant does not come within the lease, and freed if cancelled meanwhile'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
test_under_flux 1 "$@"
. /usr/share/sharness/sharness.sh

# sibling_copy URI KEY LEASE: hand the instance at URI a copy with a lease,
# acknowledge it; print its id
sibling_copy () {
    flux run --dry-run sh -c "echo ran" >dry.json &&
    on "$1" flux python - "$2" "$3" <<'PY'
import json, sys, flux
key, lease = sys.argv[1], float(sys.argv[2])
jobspec = json.load(open("dry.json"))
jobspec["attributes"]["system"]["delegate_origin"] = {
    "host": "here", "jobid": 1, "key": key, "hops": 1}
h = flux.Flux()
r = h.rpc("job-manager.delegate.accept", {
    "key": key, "origin": {"host": "here"}, "hops": 1, "urgency": 16,
    "userid": 0, "jobspec": json.dumps(jobspec), "lease": lease}).get()
h.rpc("job-manager.delegate.ack", {"ids": [r["id"]]},
      flags=flux.constants.FLUX_RPC_NORESPONSE)
print(r["id"])
PY
}
grant () {
    on "$1" flux python -c "import flux; flux.Flux().rpc(\"job-manager.delegate.grant\", {\"ids\": [$2]}, flags=flux.constants.FLUX_RPC_NORESPONSE)"
}
# the names of the events of job ID at URI, one per line
events () {
    on "$1" flux job eventlog "$2" | awk "{print \$2}"
}

test_expect_success 'start an accepting target B (1 core)' '
    start_instance B &&
    printf "[delegate-accept]\n" | on $B flux config load &&
    load_plugin $B
'
test_expect_success 'a sibling copy, allocated, waits for its grant without starting' '
    id=$(sibling_copy $B s1/1/1 30) &&
    on $B flux job wait-event -t 10 $id prolog-start &&
    sleep 0.5 &&
    test "$(on $B flux jobs -n -o {state} $id)" = RUN &&
    test_must_fail on $B flux job wait-event -t 0.1 $id start
'
test_expect_success 'granted, it starts and runs' '
    grant $B $id &&
    on $B flux job wait-event -t 10 $id clean &&
    test "$(on $B flux jobs -n -o {result} $id)" = COMPLETED &&
    on $B flux job eventlog $id | grep "prolog-finish.*status=0"
'
test_expect_success 'not granted within its lease: cancelled, never started, freed' '
    id=$(sibling_copy $B s2/1/1 1) &&
    on $B flux job wait-event -t 10 $id clean &&
    events $B $id >e2 && cat e2 &&
    on $B flux job eventlog $id | grep "exception type=\"cancel\".*did not grant this copy within its lease (1s)" &&
    on $B flux job eventlog $id | grep "prolog-finish.*status=1" &&
    test_must_fail grep -x start e2 &&
    grep -x free e2 &&
    test "$(on $B flux jobs -n -o {result} $id)" = CANCELED
'
test_expect_success 'a grant after the lease finds nothing: no start' '
    grant $B $id &&
    sleep 0.2 &&
    events $B $id >e2b &&
    test_must_fail grep -x start e2b
'
test_expect_success 'cancelled while held: freed, never started, the core free again' '
    id=$(sibling_copy $B s3/1/1 30) &&
    on $B flux job wait-event -t 10 $id prolog-start &&
    on $B flux cancel $id &&
    on $B flux job wait-event -t 10 $id clean &&
    events $B $id >e3 &&
    test_must_fail grep -x start e3 &&
    on $B flux run -n1 true
'
test_expect_success 'a bad lease is refused' '
    test_must_fail sibling_copy $B s4/1/1 -1 2>err &&
    grep "malformed accept request" err
'
test_expect_success 'clean up' '
    flux cancel --all &&
    flux job wait-event -t 30 $B_ID clean
'
test_done
