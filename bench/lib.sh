# SPDX-License-Identifier: LGPL-3.0
#
# lib.sh - shell functions the benchmarks share (sourced, not run)

# child URI-VAR ID-VAR [SUBMIT-OPTIONS...]: start a 1-core child
# instance, ready to run a job
child () {
    local _id _uri
    _id=$(flux submit -n1 -c1 "${@:3}" flux start sleep inf)
    _uri=$(flux uri --local --wait "$_id")
    until FLUX_URI=$_uri flux resource list -s free -no {ncores} 2>/dev/null |
        grep -qx 1; do sleep 0.1; done
    eval "$1=\$_uri; $2=\$_id"
}

# wait_for COND SECONDS: until the shell condition COND holds; fail with a
# message naming COND if it does not within SECONDS
wait_for () {
    local i
    for i in $(seq 1 $(($2 * 2))); do
        eval "$1" && return 0
        sleep 0.5
    done
    eval "$1" && return 0
    echo "$(basename "$0"): not so after $2 s: $1" >&2
    return 1
}
