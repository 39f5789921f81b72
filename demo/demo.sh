#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# demo.sh - the walkthrough of the README, automated
#
#   demo.sh /path/to/delegate.so [DIR-OF-flux-delegate]
#
# Starts a throwaway Flux instance with two child instances, A and B,
# loads delegate.so into A, submits one job to A with
# --dependency=delegate:URI-of-B, and shows where it ran, its output and
# its exit code, all from A.  Everything it starts ends with it.

set -e
plugin=${1:?usage: demo.sh /path/to/delegate.so}
plugin=$(realpath "$plugin")
cmddir=$(realpath "${2:-$(dirname "$plugin")/../../cmd}")

if test -z "$DELEGATE_DEMO_INNER"; then
    command -v flux >/dev/null || {
        echo "demo: the flux command (flux-core) is not on PATH" >&2
        exit 1
    }
    export DELEGATE_DEMO_INNER=1
    exec timeout 120 flux start --test-size=2 /bin/bash "$0" "$plugin" "$cmddir"
fi

say () { printf '\n==> %s\n' "$*"; }

# Wait (60s at most) until the instance at URI has run its rc1: its URI
# answers before its job manager and ingest are loaded, and a job sent
# to it then would be refused.
wait_run () {
    for i in $(seq 1 600); do
        FLUX_URI=$1 flux uptime 2>/dev/null | grep -qw run && return 0
        sleep 0.1
    done
    echo "demo: $1 did not finish starting within 60s" >&2
    return 1
}

say "starting child instances A and B (flux submit -n1 -c1 flux start sleep inf)"
A=$(flux uri --local --wait "$(flux submit -n1 -c1 flux start sleep inf)")
B=$(flux uri --local --wait "$(flux submit -n1 -c1 flux start sleep inf)")
wait_run "$A"
wait_run "$B"
echo "A: $A"
echo "B: $B"

say "flux jobtap load $plugin   (in A)"
FLUX_URI=$A flux jobtap load "$plugin"

say "flux submit --dependency=delegate:$B -N1 -n1 sh -c 'echo hello...; exit 3'   (in A)"
id=$(FLUX_URI=$A flux submit --dependency=delegate:"$B" -N1 -n1 \
    sh -c 'echo "hello from $(hostname), job $FLUX_JOB_ID"; exit 3')
FLUX_URI=$A flux job wait-event -t 60 "$id" clean >/dev/null

rid=$(FLUX_URI=$A flux job eventlog --format=json "$id" |
    jq -r 'select(.name == "delegate::submit") | .context.jobid')
rid=$(flux job id --to=f58 "$rid")

say "where the job ran"
echo "source job $id in A was delegated to $B as job $rid"
FLUX_URI=$A flux jobs -o "{id} {status} {returncode} {nodelist}" "$id" | sed 's/^/A: /'
FLUX_URI=$B flux jobs -o "{id} {status} {returncode} {nodelist}" "$rid" | sed 's/^/B: /'

say "its output, read on A (flux job attach $id)"
FLUX_URI=$A flux job attach "$id" || true

say "where it went (flux delegate info $id, in A)"
FLUX_URI=$A FLUX_EXEC_PATH=$cmddir${FLUX_EXEC_PATH:+:$FLUX_EXEC_PATH} \
    flux delegate info "$id"

say "its exit code, as A reports it (flux job status)"
rc=0
FLUX_URI=$A flux job status "$id" || rc=$?
echo "exit code: $rc"

say "A's eventlog for the job"
FLUX_URI=$A flux job eventlog "$id"

flux cancel --all >/dev/null 2>&1 || true
say "done: the throwaway instance exits now"
