#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='multi-user harness: instances owned by a real user run a
real guest'"'"'s job as the guest through the setuid flux-imp (no delegation
yet)

Needs root: t/lib/multiuser.sh creates the users fdowner, fdguest and
fdguest2, makes sure munged runs, makes flux-imp setuid root and writes an
IMP config.  The script runs as root and is not under flux start: the
instances are started as fdowner.'

. "${DELEGATE_TEST_LIB:-$(dirname "$0")/lib}/delegate.sh"
. "$DELEGATE_TEST_LIB/sshd.sh"
. "$DELEGATE_TEST_LIB/multiuser.sh"
. /usr/share/sharness/sharness.sh
. "$DELEGATE_TEST_LIB/siblings.sh"

if test "$(id -u)" != 0; then
    skip_all="needs root: it would create the users $MU_USERS (useradd),
install the Debian package munge and start munged (a key only if none
exists), make $MU_IMP setuid root, write $MU_IMP_CONF and, if no sign config
allows munge, $MU_SIGN_CONF"
    skip_all=$(echo $skip_all)
    test_done
fi

# sharness's final cleanup runs only when every test passed: stop the
# instances and sshd on any exit
mu_trap_cleanup

# The processes of this script's instances and sshd: their command lines
# name MU_DIR (rundir, config, ssh wrapper)
mu_processes () {
    pgrep -f "$MU_DIR/"
}

test_expect_success 'setup: users, munge, setuid IMP, IMP and sign config' '
    mu_setup >setup.out &&
    sed "s/^/# /" setup.out >&5 &&
    for u in $MU_USERS; do id $u || return 1; done &&
    munge -n | unmunge >/dev/null &&
    as_guest sh -c "munge -n | unmunge" | grep "^UID:.*($(mu_uid $MU_GUEST))" &&
    test "$(stat -c %U:%a $MU_IMP)" = root:4755 &&
    grep "allowed-users = \\[ \"$MU_OWNER\" \\]" $MU_IMP_CONF &&
    grep "allowed-shells = \\[ \"$MU_SHELL\" \\]" $MU_IMP_CONF &&
    grep -s "allowed-types.*munge" $MU_SIGN_CONFDIR/*.toml &&
    grep "$MU_IMP \(is\|made\) setuid root" setup.out
'
test_expect_success 'the IMP runs setuid: run by fdowner, its privileged half is root' '
    as_owner $MU_IMP whoami >imp.whoami 2>&1 &&
    cat imp.whoami &&
    grep "privileged: uid=$(mu_uid $MU_OWNER) euid=0 " imp.whoami
'
test_expect_success 'sshd on 127.0.0.1 for fdowner (FLUX_SSH for the instances)' '
    mu_sshd_start &&
    test -x "$FLUX_SSH" &&
    as_owner test -r $SSHD_DIR/owner_key
'
test_expect_success 'instances A and B start, owned by fdowner' '
    mu_start A &&
    mu_start B &&
    test "$(on $A flux getattr security.owner)" = "$(mu_uid $MU_OWNER)" &&
    test "$(on $B flux getattr security.owner)" = "$(mu_uid $MU_OWNER)" &&
    test "$(stat -c %U /proc/$A_PID)" = $MU_OWNER &&
    test "$(stat -c %U /proc/$B_PID)" = $MU_OWNER &&
    test "$A" != "$B"
'
test_expect_success 'a guest connects to A as a guest (user role, not owner)' '
    test "$(FLUX_URI=$A as_guest flux getattr security.owner)" = \
        "$(mu_uid $MU_OWNER)" &&
    FLUX_URI=$A test_must_fail as_guest flux jobtap list 2>guest.err &&
    grep "requires owner credentials" guest.err
'
test_expect_success 'a job of fdguest on A runs as fdguest, through the IMP' '
    FLUX_URI=$A as_guest flux run id -u >run.out &&
    test "$(cat run.out)" = "$(mu_uid $MU_GUEST)" &&
    FLUX_URI=$A as_guest flux jobs -a -n -o {userid} >guest.jobs &&
    test "$(cat guest.jobs)" = "$(mu_uid $MU_GUEST)" &&
    on $A flux jobs -a -A -n -o "{userid} {status}" >all.jobs &&
    test "$(cat all.jobs)" = "$(mu_uid $MU_GUEST) COMPLETED"
'
test_expect_success 'a job of fdguest2 (submit, attach) runs as fdguest2' '
    id=$(FLUX_URI=$A as_guest2 flux submit sh -c "id -un; id -u") &&
    FLUX_URI=$A as_guest2 flux job attach $id >attach.out &&
    printf "%s\n%s\n" $MU_GUEST2 $(mu_uid $MU_GUEST2) >attach.expected &&
    test_cmp attach.expected attach.out &&
    test "$(on $A flux jobs -n -o {userid} $id)" = "$(mu_uid $MU_GUEST2)"
'
test_expect_success 'a job of fdowner runs as fdowner' '
    test "$(FLUX_URI=$A as_owner flux run id -u)" = "$(mu_uid $MU_OWNER)"
'
test_expect_success 'a guest cannot see another guest'"'"'s job output' '
    FLUX_URI=$A test_must_fail as_guest flux job attach $id
'
test_expect_success 'fdowner loads delegate.so into A and B' '
    so=$(mu_plugin_path) &&
    as_owner test -r "$so" &&
    mu_load_plugin $A &&
    mu_load_plugin $B &&
    FLUX_URI=$A as_owner flux jobtap list >a.plugins &&
    FLUX_URI=$B as_owner flux jobtap list >b.plugins &&
    grep -x delegate.so a.plugins &&
    grep -x delegate.so b.plugins
'
test_expect_success 'fdowner reaches B over ssh://' '
    B_SSH=$(mu_ssh_uri $B) &&
    echo "$B_SSH" | grep "^ssh://127.0.0.1:$SSHD_PORT/" &&
    as_owner flux proxy $B_SSH flux getattr security.owner >ssh.owner &&
    test "$(cat ssh.owner)" = "$(mu_uid $MU_OWNER)" &&
    test "$(as_owner flux proxy $B_SSH id -un)" = $MU_OWNER &&
    as_owner flux proxy $B_SSH flux jobtap list | grep -x delegate.so
'
test_expect_success 'the fdowner key opens no other account' '
    test_must_fail as_owner $FLUX_SSH root@127.0.0.1 true &&
    test_must_fail as_owner $FLUX_SSH $MU_GUEST@127.0.0.1 true
'
test_expect_success 'instance A (fdowner) has FLUX_SSH, to connect out by ssh' '
    test "$(tr "\0" "\n" </proc/$A_PID/environ | grep ^FLUX_SSH=)" = \
        "FLUX_SSH=$FLUX_SSH"
'
# The IMP checks the signature's age at exec (munge's encode time, whole
# seconds): a guest job held past max-ttl fails there, with the IMP's
# message on the job's stderr; a new one runs once max-ttl is back
test_expect_success 'mu_imp_max_ttl 1: a guest job held 2s fails in the IMP' '
    test_when_finished "mu_imp_max_ttl default" &&
    mu_imp_max_ttl 1 &&
    id=$(FLUX_URI=$A as_guest flux submit --urgency=hold id -u) &&
    sleep 2.1 &&
    FLUX_URI=$A as_guest flux job urgency $id default &&
    on $A flux job wait-event -t 30 $id clean &&
    test "$(on $A flux jobs -n -o {status} $id)" = FAILED &&
    FLUX_URI=$A test_must_fail as_guest flux job attach $id >ttl.out 2>ttl.err &&
    grep "flux-imp: Fatal: exec: signature validation failed:.*max-ttl exceeded" ttl.err &&
    ! test -s ttl.out
'
test_expect_success 'mu_imp_max_ttl default: a guest job runs again' '
    ! test -e $MU_SIGN_TTL_CONF &&
    test "$(FLUX_URI=$A as_guest flux run id -u)" = "$(mu_uid $MU_GUEST)"
'
test_expect_success 'delegation: B accepts; A names b (local://), bssh (ssh://), c (plain)' '
    printf "[delegate-accept]\n" >accept.toml &&
    cat accept.toml >>$MU_DIR/B/conf/instance.toml &&
    on $B flux config reload &&
    mu_start C &&
    mu_load_plugin $C &&
    printf "[[delegate]]\nuri = \"%s\"\nlabel = \"b\"\n[[delegate]]\nuri = \"%s\"\nlabel = \"bssh\"\n[[delegate]]\nuri = \"%s\"\nlabel = \"c\"\n" \
        $B $B_SSH $C >targets.toml &&
    printf "[exec.testexec]\nallow-guests = true\n" >>targets.toml &&
    cat targets.toml >>$MU_DIR/A/conf/instance.toml &&
    on $A flux config reload &&
    wait_until 20 query_true $A "[.targets[] | .accept] == [true, true, false]"
'
for t in b bssh; do
test_expect_success "a guest job delegated to $t runs there as the guest, its J unchanged" '
    id=$(FLUX_URI=$A as_guest flux submit --dependency=delegate:'$t' id -u) &&
    on $A flux job wait-event -t 60 $id clean &&
    FLUX_URI=$A as_guest flux job attach $id >out &&
    test "$(cat out)" = "$(mu_uid $MU_GUEST)" &&
    rid=$(remote_jobid $A $id) &&
    test "$(on $B flux jobs -n -o {userid} $rid)" = "$(mu_uid $MU_GUEST)" &&
    on $A flux job info $id J >a.J &&
    on $B flux job info $rid J >b.J &&
    test_cmp a.J b.J &&
    test "$(event_context $A $id delegate::submit userid)" = "$(mu_uid $MU_GUEST)" &&
    FLUX_URI=$A flux delegate info $id | grep "runs as: userid $(mu_uid $MU_GUEST)"
'
done
test_expect_success 'a guest job to the plain target C is refused at submission' '
    FLUX_URI=$A test_must_fail as_guest flux submit --dependency=delegate:c true 2>err &&
    grep "c does not accept other users.* jobs" err
'
test_expect_success 'a guest job with an afterok dependency is refused at submission' '
    dep=$(FLUX_URI=$A as_guest flux submit true) &&
    FLUX_URI=$A test_must_fail as_guest flux submit --dependency=delegate:b \
        --dependency=afterok:$dep true 2>err &&
    grep "another user.s job travels as signed: its dependency afterok" err
'
test_expect_success 'J of fdguest handed to B directly as fdguest2: refused by its ingest' '
    on $A flux job info $id J >g.J &&
    on $B flux python - $(mu_uid $MU_GUEST2) <<-PY >direct.out 2>&1
	import sys, flux
	h = flux.Flux()
	try:
	    h.rpc("job-manager.delegate.accept", {"key": "direct/1/1", "origin": {"host": "x"},
	        "hops": 1, "urgency": 16, "userid": int(sys.argv[1]),
	        "J": open("g.J").read().strip()}).get()
	    print("accepted")
	except OSError as e:
	    print("error:", e.strerror)
	PY
    cat direct.out &&
    grep "error:.*signer=$(mu_uid $MU_GUEST) != requestor=$(mu_uid $MU_GUEST2)" direct.out
'
test_expect_success 'a J older than B'"'"'s max-ttl: the source job ends with the reason' '
    mu_imp_max_ttl 2 &&
    kill -STOP $B_PID &&
    id=$(FLUX_URI=$A as_guest flux submit --dependency=delegate:b id -u) &&
    sleep 4 &&
    kill -CONT $B_PID &&
    on $A flux job wait-event -t 60 $id clean &&
    FLUX_URI=$A as_guest flux job attach $id >ttl2.out 2>ttl2.err;
    mu_imp_max_ttl default &&
    cat ttl2.err &&
    on $A flux job eventlog $id >ttl2.events &&
    grep "exception type=\"exec\" severity=0 note=\"on $B: flux-imp: Fatal: exec: signature validation failed: sign-munge-verify: max-ttl exceeded\"" ttl2.events &&
    test "$(on $A flux jobs -n -o {result} $id)" = FAILED
'
test_expect_success 'hops: B (hop-limit 2) sends its copies on to C (hop-limit 1)' '
    printf "[delegate-accept]\nhop-limit = 1\n" >>$MU_DIR/C/conf/instance.toml &&
    on $C flux config reload &&
    printf "[delegate-accept]\nhop-limit = 2\n[exec.testexec]\nallow-guests = true\n[[delegate]]\nuri = \"%s\"\nlabel = \"b\"\n" $C >hop.toml &&
    sed "/^\[delegate-accept\]/,\$d" $MU_DIR/B/conf/instance.toml >b.conf &&
    cat b.conf hop.toml >$MU_DIR/B/conf/instance.toml &&
    on $B flux config reload &&
    wait_until 20 query_true $B "[.targets[] | .accept] == [true]" &&
    query_true $B ".accept[\"hop-limit\"] == 2"
'
test_expect_success 'hops: a copy delegated again past C'"'"'s hop limit is refused there' '
    id=$(FLUX_URI=$A as_guest flux submit --dependency=delegate:b true) &&
    on $A flux job wait-event -t 60 $id clean &&
    on $A flux job eventlog $id >hop1.events &&
    cat hop1.events &&
    grep "hop limit 1 reached: the job was delegated 1 times already" hop1.events &&
    rid=$(remote_jobid $A $id) &&
    on $B flux job eventlog $rid | grep "delegate::accept-onward .*hops=1"
'
test_expect_success 'hops: with hop-limit 2 on C, the job runs there as the guest' '
    sed -i "s/^hop-limit = 1$/hop-limit = 2/" $MU_DIR/C/conf/instance.toml &&
    on $C flux config reload &&
    id=$(FLUX_URI=$A as_guest flux submit --dependency=delegate:b id -u) &&
    on $A flux job wait-event -t 60 $id clean &&
    FLUX_URI=$A as_guest flux job attach $id >hop2.out &&
    test "$(cat hop2.out)" = "$(mu_uid $MU_GUEST)" &&
    rid=$(remote_jobid $A $id) &&
    rrid=$(remote_jobid $B $rid) &&
    on $C flux job eventlog $rrid | grep "delegate::accept .*hops=2" &&
    test "$(on $C flux jobs -n -o {userid} $rrid)" = "$(mu_uid $MU_GUEST)"
'
# A learns whether C accepts when its link connects: the plugin is
# loaded again so that it sees C accept now
# A guest sibling job offered to B and C: it ran once, as the guest, on
# one; the other copy, made as the guest too, was cancelled without start.
# That copy has a delegate::sibling only if its target answered before
# the grant: it is found as the one new job of the other target.
guest_siblings () {
    n=$(grep -nF "uri = \"$B_SSH\"" $MU_DIR/A/conf/instance.toml | cut -d: -f1) &&
    sed -i "$((n - 1)),$((n + 1))d" $MU_DIR/A/conf/instance.toml &&
    on $A flux config reload &&
    FLUX_URI=$A as_owner flux jobtap remove delegate.so &&
    mu_load_plugin $A &&
    wait_until 20 query_true $A "[.targets[] | .accept] == [true, true]" &&
    job_ids $B >b.before && job_ids $C >c.before &&
    id=$(FLUX_URI=$A as_guest flux submit --dependency=delegate:siblings id -u) &&
    on $A flux job wait-event -t 60 $id clean &&
    FLUX_URI=$A as_guest flux job attach $id >sib.out &&
    test "$(cat sib.out)" = "$(mu_uid $MU_GUEST)" &&
    on $A flux job eventlog --format=json $id >sib.events &&
    winner=$(remote_jobid $A $id) &&
    wlabel=$(event_context $A $id delegate::submit label) &&
    if test $wlabel = b
    then W=$B wl=b L=$C ll=c
    else W=$C wl=c L=$B ll=b
    fi &&
    test "$(new_jobs $W $wl.before)" = "$(flux job id --to=f58 $winner)" &&
    test "$(on $W flux jobs -n -o {userid} $winner)" = "$(mu_uid $MU_GUEST)" &&
    test "$(jq -r "select(.name == \"delegate::revoke\") | .context.label" sib.events)" = $ll &&
    wait_until 30 has_new_job $L $ll.before &&
    rid=$(new_jobs $L $ll.before) &&
    test "$(on $L flux jobs -n -o {userid} $rid)" = "$(mu_uid $MU_GUEST)" &&
    on $L flux job wait-event -t 30 $rid clean &&
    test "$(on $L flux jobs -n -o {result} $rid)" = CANCELED &&
    ! on $L flux job eventlog $rid | awk "{print \$2}" | grep -qx start
}
test_expect_success 'a guest sibling job offered to B and C runs once, as the guest' '
    guest_siblings || {
        sed "s/^/# /" sib.events >&5 2>/dev/null
        false
    }
'
test_expect_success 'stop C (delegation tests)' '
    mu_stop C
'
test_expect_success 'a third instance C starts alongside' '
    mu_start C &&
    test "$(FLUX_URI=$C as_guest flux run id -u)" = "$(mu_uid $MU_GUEST)"
'
test_expect_success 'mu_stop C: a running guest job of C ends with it' '
    id=$(FLUX_URI=$C as_guest flux submit sleep 1013) &&
    on $C flux job wait-event -t 30 -p exec $id shell.start &&
    pgrep -u $MU_GUEST -fx "sleep 1013" &&
    C_PID_WAS=$C_PID &&
    mu_stop C &&
    test -z "$C" &&
    ! kill -0 $C_PID_WAS 2>/dev/null &&
    ! pgrep -u $MU_GUEST -fx "sleep 1013"
'
test_expect_success 'cleanup: instances and sshd stopped, no process left' '
    pids="$A_PID $B_PID $SSHD_PID" &&
    mu_processes &&
    mu_cleanup &&
    for p in $pids; do ! kill -0 $p 2>/dev/null || return 1; done &&
    test_must_fail mu_processes &&
    ! test -d "$MU_DIR"
'
test_done
