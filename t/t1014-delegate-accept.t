#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='delegate.so: a target that accepts delegated jobs
([delegate-accept]): the accept request with its key, the copy held in
PRIORITY until acknowledged, allow-origins, hop-limit, ack-timeout, a
resend after a lost answer, and the other users'"'"' jobs it makes possible

Single user: other users are simulated as flux-core tests do (the jobspec
signed for another userid with mech none, FLUX_HANDLE_USERID).  With real
users, see t1013.'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
. "$DELEGATE_TEST_LIB/sshd.sh"
test_under_flux 2 "$@"
. /usr/share/sharness/sharness.sh

GUEST=$(($(id -u) + 4242))

# accept_rpc URI KEY HOPS [HOST] [ACK]: hand instance URI a copy directly,
# as its owner (jobspec mode); print the id it answers, or the error.
accept_rpc () {
    flux run --dry-run true >dry.json &&
    on "$1" flux python - "$2" "$3" "${4:-here}" "${5:-noack}" <<'PY'
import json, sys, flux
key, hops, host, ack = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
jobspec = json.load(open("dry.json"))
jobspec["attributes"]["system"]["delegate_origin"] = {
    "host": host, "jobid": 1, "key": key, "hops": hops}
h = flux.Flux()
try:
    r = h.rpc("job-manager.delegate.accept", {
        "key": key, "origin": {"host": host}, "hops": hops, "urgency": 16,
        "userid": 0, "jobspec": json.dumps(jobspec)}).get()
except OSError as e:
    print("error:", e.strerror)
    sys.exit(1)
if ack == "ack":
    h.rpc("job-manager.delegate.ack", {"ids": [r["id"]]}, flags=flux.constants.FLUX_RPC_NORESPONSE)
print(r["id"])
PY
}

# accept_batch URI: hand instance URI four copies in one request: k8/1/1,
# one without a key, one past the hop limit, k8/1/1 again; print each
# answer on a line, in order: the id, or "ERRNUM ERROR".
accept_batch () {
    flux run --dry-run true >dry.json &&
    on "$1" flux python - <<'PY'
import copy, json, flux
jobspec = json.load(open("dry.json"))
def request(key, hops):
    js = copy.deepcopy(jobspec)
    js["attributes"]["system"]["delegate_origin"] = {
        "host": "here", "jobid": 1, "key": key, "hops": hops}
    return {"key": key, "origin": {"host": "here"}, "hops": hops,
            "urgency": 16, "userid": 0, "jobspec": json.dumps(js)}
keyless = request("k8/2/1", 1)
del keyless["key"]
copies = [request("k8/1/1", 1), keyless, request("k8/3/1", 2), request("k8/1/1", 1)]
r = flux.Flux().rpc("job-manager.delegate.accept", {"copies": copies}).get()
for res in r["results"]:
    print(res["id"] if "id" in res else "%d %s" % (res["errnum"], res["error"]))
PY
}

# Submit ARGS to instance A as the guest; print the job id.
submit_as_guest () {
    submit_as $GUEST $A "$@"
}
jobs_with_key () {
    on $1 flux jobs -a -n -o {id} | while read id; do
        if on $1 flux job info $id jobspec |
            jq -e ".attributes.system.delegate_origin.key == \"$2\"" >/dev/null; then
            echo $id
        fi
    done
}

test_expect_success 'start sshd; source A, accepting target B, plain target C' '
    sshd_dir=$(mktemp -d /tmp/delegate-sshd.XXXXXX) &&
    sshd_start "$sshd_dir" &&
    start_instance A &&
    start_instance B &&
    start_instance C &&
    printf "[delegate-accept]\n" >accept.toml &&
    on $B flux config load accept.toml &&
    load_plugin $A link-timeout=60s &&
    load_plugin $B &&
    load_plugin $C &&
    B_SSH=$(sshd_uri $B) &&
    targets_toml b=$B c=$C bssh=$B_SSH >targets.toml &&
    on $A flux config load targets.toml
'
test_expect_success 'the source learns at connect which targets accept' '
    wait_until 10 query_true $A "[.targets[] | .accept] == [true, false, true]" &&
    on $A flux delegate list >list.out &&
    grep -E "^b +.*yes" list.out &&
    grep -E "^c +.*no" list.out
'
test_expect_success 'B says it accepts in its query, C does not' '
    query_true $B ".accept.enabled == true and .accept[\"hop-limit\"] == 1" &&
    query_true $C ".accept.enabled == false"
'
test_expect_success 'a job to B goes by the accept request: no event of ours, no urgency change' '
    id=$(on $A flux submit --dependency=delegate:b sh -c "echo hi; exit 3") &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "FAILED 3" &&
    rid=$(remote_jobid $A $id) &&
    on $B flux job eventlog $rid >b.events &&
    instance=$(on $A flux kvs get delegate.instance) &&
    test_must_fail grep -E "^[0-9.]+ urgency" b.events &&
    test_must_fail grep "delegate::" b.events &&
    on $B flux job info $rid jobspec |
        jq -e ".attributes.system.delegate_origin | .key == \"$instance/$(flux job id --to=dec $id)/1\" and .hops == 1" &&
    on $A flux job attach $id >out 2>/dev/null; test "$(cat out)" = "hi"
'
test_expect_success 'the copy records its origin: host, URI, source job id, key' '
    on $B flux job info $rid jobspec |
        jq -e ".attributes.system.delegate_origin | .uri == \"$A\" and
               .jobid == $(flux job id --to=dec $id) and (.key | startswith(\"$instance/\"))"
'
test_expect_success 'a job to C goes the plain way (held, then released)' '
    id=$(on $A flux submit --dependency=delegate:c true) &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    on $C flux job eventlog $(remote_jobid $A $id) >c.events &&
    grep -E "^[0-9.]+ urgency" c.events &&
    test_must_fail grep "delegate::accept" c.events
'
test_expect_success 'a copy waits in PRIORITY until its ack' '
    id=$(accept_rpc $B k1/1/1 1) &&
    on $B flux job wait-event -t 10 $id priority >/dev/null 2>&1 ||
        test "$(on $B flux jobs -n -o {state} $id)" = "PRIORITY" &&
    sleep 0.5 &&
    test "$(on $B flux jobs -n -o {state} $id)" = "PRIORITY" &&
    on $B flux python -c "import flux; flux.Flux().rpc(\"job-manager.delegate.ack\", {\"ids\": [$id]}, flags=flux.constants.FLUX_RPC_NORESPONSE)" &&
    on $B flux job wait-event -t 10 $id clean &&
    test "$(on $B flux jobs -n -o {result} $id)" = "COMPLETED"
'
test_expect_success 'the same key again makes no second job' '
    id1=$(accept_rpc $B k2/1/1 1) &&
    id2=$(accept_rpc $B k2/1/1 1) &&
    test "$id1" = "$id2" &&
    test $(jobs_with_key $B k2/1/1 | wc -l) -eq 1 &&
    id3=$(accept_rpc $B k2/1/2 1 here ack) &&
    test "$id3" != "$id1" &&
    on $B flux job wait-event -t 10 $id3 clean
'
test_expect_success 'several copies in one request: each answered in its place' '
    accept_batch $B >batch.out &&
    cat batch.out &&
    test $(wc -l <batch.out) -eq 4 &&
    id=$(sed -n 1p batch.out) &&
    test "$(sed -n 4p batch.out)" = "$id" &&
    sed -n 2p batch.out | grep "^71 malformed accept request$" &&
    sed -n 3p batch.out | grep "^1 hop limit 1 reached" &&
    test $(jobs_with_key $B k8/1/1 | wc -l) -eq 1 &&
    on $B flux python -c "import flux; flux.Flux().rpc(\"job-manager.delegate.ack\", {\"ids\": [$id]}, flags=flux.constants.FLUX_RPC_NORESPONSE)" &&
    on $B flux job wait-event -t 10 $id clean
'
test_expect_success 'a request of no copies, or of too many, is refused' '
    test_must_fail on $B flux python -c "import flux; flux.Flux().rpc(\"job-manager.delegate.accept\", {\"copies\": []}).get()" 2>err &&
    grep "copies must be an array of 1 to 256" err
'
test_expect_success 'a copy never acknowledged is cancelled after ack-timeout' '
    printf "[delegate-accept]\nack-timeout = \"1s\"\n" >accept.toml &&
    on $B flux config load accept.toml &&
    id=$(accept_rpc $B k3/1/1 1) &&
    on $B flux job wait-event -t 10 $id clean &&
    on $B flux job eventlog $id >k3.events &&
    grep "exception type=\"cancel\".*did not acknowledge this copy within 1s" k3.events
'
test_expect_success 'the earlier copy of k2, never acknowledged, is gone too' '
    on $B flux job wait-event -t 70 $id1 clean
'
test_expect_success 'a copy past the hop limit is refused' '
    test_must_fail accept_rpc $B k4/1/1 2 >err &&
    grep "hop limit 1 reached: the job was delegated 1 times already" err
'
test_expect_success 'an instance without [delegate-accept] refuses the request' '
    test_must_fail accept_rpc $C k5/1/1 1 >err &&
    grep "does not accept delegated jobs" err
'
test_expect_success 'allow-origins: another origin is refused' '
    printf "[delegate-accept]\nallow-origins = [\"login9\"]\n" >accept.toml &&
    on $B flux config load accept.toml &&
    test_must_fail accept_rpc $B k6/1/1 1 here >err &&
    grep "origin here is not in delegate-accept.allow-origins" err &&
    id=$(accept_rpc $B k6/1/2 1 login9 ack) &&
    on $B flux job wait-event -t 10 $id clean
'
test_expect_success 'allow-origins: a job from A, not listed, fails on A saying why' '
    id=$(on $A flux submit --dependency=delegate:b true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id | grep "is not in delegate-accept.allow-origins" &&
    printf "[delegate-accept]\nallow-origins = [\"$(hostname)\"]\n" >accept.toml &&
    on $B flux config load accept.toml &&
    id=$(on $A flux submit --dependency=delegate:b true) &&
    wait_event $A $id clean &&
    test "$(job_result $A $id)" = "COMPLETED 0"
'
test_expect_success 'a bad [delegate-accept] is refused, naming the key' '
    printf "[delegate-accept]\nhop-limit = 0\n" >bad.toml &&
    test_must_fail on $B flux config load bad.toml 2>err &&
    grep "delegate-accept.hop-limit must be an integer from 1 to 64" err &&
    printf "[delegate-accept]\nack-timeout = \"soon\"\n" >bad.toml &&
    test_must_fail on $B flux config load bad.toml 2>err &&
    grep "delegate-accept.ack-timeout must be a duration" err &&
    printf "[delegate-accept]\nallow = 1\n" >bad.toml &&
    test_must_fail on $B flux config load bad.toml 2>err &&
    grep "unknown key .allow." err
'
test_expect_success 'the answer lost (ssh killed right after the request): one copy' '
    bpid=$(broker_pid $B) &&
    kill -STOP $bpid &&
    id=$(on $A flux submit --dependency=delegate:bssh true) &&
    sleep 1 &&
    pkill -f "flux relay ${B#local://}" ; pkill -f "ssh_config.*flux relay ${B#local://}";
    kill -CONT $bpid &&
    wait_event $A $id clean 60 &&
    on $A flux job eventlog $id &&
    test "$(job_result $A $id)" = "COMPLETED 0" &&
    src=$(flux job id --to=dec $id) &&
    for j in $(on $B flux jobs -a -n -o {id}); do
        if on $B flux job info $j jobspec |
            jq -e ".attributes.system.delegate_origin.jobid == $src" >/dev/null; then
            echo $j
        fi
    done >copies &&
    echo "source job $src, remote $(remote_jobid $A $id); copies:" &&
    cat copies &&
    test $(wc -l <copies) -eq 1 &&
    jobs_with_key $B $(on $A flux kvs get delegate.instance)/$src/1 >keyed &&
    test_cmp copies keyed
'
test_expect_success 'other users: a plain target is refused at submission' '
    test_must_fail submit_as_guest --dependency=delegate:c true 2>err &&
    grep "c does not accept other users.* jobs" err
'
test_expect_success 'other users: an after* dependency is refused at submission' '
    test_must_fail submit_as_guest --dependency=delegate:b \
        --dependency=afterok:$(on $A flux submit true) true 2>err &&
    grep "another user.s job travels as signed: its dependency afterok:.* names a job of this instance" err
'
test_expect_success 'other users: a URI that is not a configured target is refused' '
    test_must_fail submit_as_guest --dependency=delegate:local:///elsewhere true 2>err &&
    grep "local:///elsewhere: not a configured target (another user.s job may go only to one)" err
'
test_expect_success 'other users: a policy routes only among accepting targets' '
    printf "[[delegate]]\nuri = \"$C\"\nlabel = \"c\"\n" >only-c.toml &&
    on $A flux config load only-c.toml &&
    test_must_fail submit_as_guest -S system.delegate=round_robin true 2>err &&
    grep "no target of round_robin takes other users.* jobs" err &&
    on $A flux config load targets.toml
'
test_expect_success 'other users: to B their J goes as signed (mech none is refused by its ingest)' '
    wait_until 10 query_true $A "[.targets[] | .accept] == [true, false, true]" &&
    id=$(submit_as_guest --dependency=delegate:b true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id | grep "DelegationFailure" | grep -i "none"
'
test_expect_success 'other users: a policy never tries a target that does not accept' '
    id=$(submit_as_guest -S system.delegate=round_robin true) &&
    wait_event $A $id clean &&
    on $A flux job eventlog $id >rr.events &&
    cat rr.events &&
    grep "all targets failed:" rr.events &&
    grep "c ($C): does not accept other users.* jobs" rr.events &&
    test_must_fail grep "delegate::failover uri=\"$C\"" rr.events
'
test_expect_success 'unloading the plugin on B with a copy not acknowledged: B lives' '
    id=$(accept_rpc $B k7/1/1 1 $(hostname)) &&
    on $B flux job wait-event -t 10 $id depend &&
    sleep 0.2 &&
    on $B flux jobs -n -o {state} $id &&
    test "$(on $B flux jobs -n -o {state} $id)" = "PRIORITY" &&
    on $B flux jobtap remove delegate.so &&
    on $B flux uptime &&
    load_plugin $B &&
    on $B flux config load accept.toml &&
    wait_until 10 query_true $B ".accept.unacknowledged >= 1" &&
    test "$(accept_rpc $B k7/1/1 1 $(hostname))" = "$id"
'
# D is stopped before the link to it first connects: the jobs wait on the
# link until it is connected, then go in one accept request, and their
# acks in one message (counted in a trace of D's job manager).
test_expect_success 'start D, accepting' '
    start_instance D &&
    on $D flux config load accept.toml &&
    load_plugin $D
'
test_expect_success 'jobs waiting for the link go in one accept request, acked in one message' '
    FLUX_URI=$D flux module trace -t request -T "job-manager.delegate.*" \
        job-manager >d.trace &
    tracer=$! &&
    test_when_finished "kill $tracer 2>/dev/null || :" &&
    sleep 0.5 &&
    dpid=$(broker_pid $D) &&
    kill -STOP $dpid &&
    test_when_finished "kill -CONT $dpid" &&
    ids=$(on $A flux submit --cc=1-20 --dependency=delegate:$D true) &&
    wait_until 10 query_true $A ".delegations == {\"submit\": 20}" &&
    kill -CONT $dpid &&
    for id in $ids; do
        wait_event $A $id clean || return 1
        test "$(job_result $A $id)" = "COMPLETED 0" || return 1
    done &&
    kill $tracer &&
    grep -c "job-manager.delegate.accept " d.trace >accepts &&
    grep -c "job-manager.delegate.ack " d.trace >acks &&
    echo "accept requests $(cat accepts), ack messages $(cat acks)" &&
    test $(cat accepts) -eq 1 &&
    test $(cat acks) -eq 1
'
test_expect_success 'clean up' '
    sshd_stop;
    flux cancel --all &&
    flux job wait-event -t 30 $A_ID clean &&
    flux job wait-event -t 30 $B_ID clean &&
    flux job wait-event -t 30 $C_ID clean &&
    flux job wait-event -t 30 $D_ID clean
'
test_done
