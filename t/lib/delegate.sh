# SPDX-License-Identifier: LGPL-3.0
#
# delegate.sh - helpers for the integration tests
#
# Source this before sharness, then call test_under_flux:
#
#   . "$DELEGATE_TEST_LIB/delegate.sh"
#   test_under_flux 2 "$@"       # re-run this script in flux start --test-size=2
#   . /usr/share/sharness/sharness.sh
#
#   start_instance NAME [CORES]  child instance (a job of the test instance);
#                                sets NAME (its local:// URI) and NAME_ID
#                                once its rc1 is done; with
#                                DELEGATE_TEST_TARGETS=accept it also takes
#                                delegated jobs: delegate.so loaded and
#                                [delegate-accept] in its config
#   config_load URI [FILE]       flux config load at URI (FILE or stdin),
#                                keeping [delegate-accept] of an instance
#                                that accepts
#   accept_column                what flux delegate list shows in its
#                                ACCEPT column for a started instance
#   released_event               the event of a copy on its target once the
#                                source released it: "urgency" (a held
#                                copy), "priority" (acknowledged, accept.h)
#   sent_urgency                 the urgency a copy is submitted with
#   target_prereqs               (after sharness) set the prerequisite
#                                ACCEPTING_TARGETS or PLAIN_TARGETS, for a
#                                test that holds for one kind only
#   wait_run URI                 wait until instance URI is in state "run"
#   on URI CMD...                run a flux command against instance URI
#   load_plugin URI [KEY=VAL]    load delegate.so into instance URI
#   remote_jobid URI SRCID       the remote id from delegate::submit
#   event_context URI ID EVENT KEY   a key of an event's context
#   job_ids URI                  the ids of all jobs of the instance at URI
#                                (all users, all states), sorted: to find
#                                later the copies a target made meanwhile
#   new_jobs URI FILE            the ids of its jobs that are not in FILE
#                                (a job_ids list)
#   has_new_job URI FILE         true if it has a job not in FILE
#   wait_event URI ID EVENT [SECS]   wait for an event (default 30s)
#   targets_toml LABEL=URI...    print [[delegate]] tables (=URI: no label)
#   submit_as USERID URI ARGS... submit 'flux run --dry-run ARGS' to the
#                                instance at URI as another user, simulated
#                                as flux-core's tests do: signed for USERID
#                                (mech none), FLUX_HANDLE_USERID=USERID;
#                                print the job id
#   wait_until SECS CMD...       run CMD until it succeeds, every 0.1s; fail,
#                                saying so, if it has not after SECS seconds
#   query_true URI JQ-EXPR       the plugin's jobtap query at URI makes the
#                                jq expression true (e.g. '.delegations == {}':
#                                no delegation exists, in any state)
#   link_threads URI             how many link threads the broker of URI has
#   wait_link_threads URI N [SECS]   wait until it has N (default 10s)

: "${DELEGATE_SO:?DELEGATE_SO must name the built delegate.so (run via make check)}"
: "${DELEGATE_TEST_LIB:=$(cd "$(dirname "$0")/lib" && pwd)}"

test_under_flux () {
    local size=$1
    shift
    if test -z "$DELEGATE_UNDER_FLUX"; then
        export DELEGATE_UNDER_FLUX=1
        command -v flux >/dev/null ||
            { echo "Bail out! flux (flux-core) is not on PATH"; exit 1; }
        exec timeout -k 10 1200 flux start --test-size="$size" \
            /bin/bash "$0" "$@"
    fi
}

on () {
    local uri=$1
    shift
    FLUX_URI=$uri "$@"
}

# Wait (30s at most) until the instance at URI has run its rc1: its
# modules (job-list, the scheduler, plugins from its config) are loaded.
wait_run () {
    local i
    for i in $(seq 1 300); do
        on "$1" flux uptime 2>/dev/null |
            awk '{exit $2 != "run"} END {if (NR == 0) exit 1}' && return 0
        sleep 0.1
    done
    echo "wait_run: $1 not in state run after 30s" >&2
    return 1
}

# The earlier tests run against both kinds of target: plain instances,
# and (DELEGATE_TEST_TARGETS=accept, the t11xx wrappers) instances that
# accept delegated jobs.  Every child instance then accepts, a source too.
accepting_targets () {
    test "${DELEGATE_TEST_TARGETS:-plain}" = accept
}

accept_column () {
    if accepting_targets; then echo yes; else echo no; fi
}

released_event () {
    if accepting_targets; then echo priority; else echo urgency; fi
}

sent_urgency () {
    if accepting_targets; then echo 16; else echo 0; fi
}

target_prereqs () {
    if accepting_targets; then
        test_set_prereq ACCEPTING_TARGETS
    else
        test_set_prereq PLAIN_TARGETS
    fi
}

start_instance () {
    local name=$1 cores=${2:-1} id uri
    id=$(flux submit -n1 -c"$cores" --job-name="$name" flux start sleep inf) ||
        return 1
    uri=$(flux uri --local --wait "$id") || return 1
    wait_run "$uri" || return 1
    eval "$name=\$uri; ${name}_ID=\$id"
    if accepting_targets; then
        DELEGATE_ACCEPTING="${DELEGATE_ACCEPTING-} $uri "
        config_load "$uri" </dev/null &&
            on "$uri" flux jobtap load "$DELEGATE_SO" &&
            DELEGATE_PRELOADED="${DELEGATE_PRELOADED-} $uri "
    fi
}

config_load () {
    local uri=$1 file=${2:--}
    shift
    case "${DELEGATE_ACCEPTING-}" in
    *" $uri "*)
        { cat "$file" && printf '\n[delegate-accept]\n'; } |
            on "$uri" flux config load
        ;;
    *)
        on "$uri" flux config load "$@"
        ;;
    esac
}

# A source loads the plugin with its arguments; an accepting instance
# that start_instance loaded it into (without arguments) has it removed
# first, once.
load_plugin () {
    local uri=$1
    shift
    case "${DELEGATE_PRELOADED-}" in
    *" $uri "*)
        DELEGATE_PRELOADED=${DELEGATE_PRELOADED/ $uri / }
        on "$uri" flux jobtap remove delegate.so || return 1
        ;;
    esac
    on "$uri" flux jobtap load "$DELEGATE_SO" "$@"
}

broker_pid () {
    on "$1" flux getattr broker.pid
}

event_context () {
    on "$1" flux job eventlog --format=json "$2" |
        jq -r "select(.name == \"$3\") | .context.$4" | head -n1
}

job_ids () {
    on "$1" flux jobs -a -A -n -o {id} | sort
}

new_jobs () {
    job_ids "$1" | comm -13 "$2" -
}

has_new_job () {
    test -n "$(new_jobs "$1" "$2")"
}

remote_jobid () {
    event_context "$1" "$2" delegate::submit jobid
}

wait_event () {
    on "$1" flux job wait-event -t "${4:-30}" "$2" "$3" >/dev/null
}

# Print "STATUS RETURNCODE" of a job as flux jobs shows it.
job_result () {
    on "$1" flux jobs -n -o "{status} {returncode}" "$2"
}

# Bounded polling: what a test waits for is an event, never a fixed time.
# SECS may be a fraction.  CMD is run once more at the deadline.
wait_until () {
    local secs=$1 end
    shift
    end=$(echo "$EPOCHREALTIME + $secs" | bc)
    while ! "$@"; do
        if test "$(echo "$EPOCHREALTIME >= $end" | bc)" = 1; then
            "$@" && return 0
            echo "wait_until: still false after ${secs}s: $*" >&2
            return 1
        fi
        sleep 0.1
    done
}

query_true () {
    on "$1" flux jobtap query delegate.so | jq -e "$2" >/dev/null
}

# The plugin names its link threads "delegate-link" (src/plugin/link.c).
link_threads () {
    local pid
    pid=$(broker_pid "$1") || return 1
    cat /proc/"$pid"/task/*/comm 2>/dev/null | grep -cx delegate-link
}

link_threads_are () {
    test "$(link_threads "$1")" = "$2"
}

wait_link_threads () {
    wait_until "${3:-10}" link_threads_are "$1" "$2" ||
        { echo "wait_link_threads: $1 has $(link_threads "$1"), not $2" >&2; return 1; }
}

targets_toml () {
    local pair
    for pair in "$@"; do
        printf '[[delegate]]\nuri = "%s"\n' "${pair#*=}"
        if test -n "${pair%%=*}"; then
            printf 'label = "%s"\n' "${pair%%=*}"
        fi
    done
}

submit_as () {
    local userid=$1 uri=$2
    shift 2
    flux run --dry-run "$@" |
        flux python -c '
import sys
from flux.security import SecurityContext
J = SecurityContext().sign_wrap_as(int(sys.argv[1]), sys.stdin.read(), mech_type="none")
print(J.decode("utf-8"))
' "$userid" >signed.J &&
        FLUX_URI=$uri FLUX_HANDLE_USERID=$userid flux job submit --flags=signed signed.J
}
