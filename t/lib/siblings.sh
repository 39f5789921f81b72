# SPDX-License-Identifier: LGPL-3.0
#
# siblings.sh - shell functions of the sibling job tests (sourced after
# delegate.sh, not run)
#
#   busy URI                     occupy the one core of the instance at URI
#                                with a long job; print its id
#   event_names URI ID           the names of the events of job ID, one per
#                                line
#   event_count URI ID NAME      how many events NAME job ID has
#   events_are URI ID NAME N     job ID has N events NAME (for wait_until)
#   siblings_of URI ID           the copies of source job ID, one "LABEL
#                                JOBID" per line (its delegate::sibling)
#   copy_on URI ID LABEL         the id of its (last) copy on target LABEL

busy () {
    on "$1" flux submit --wait-event=start sleep 300
}

event_names () {
    on "$1" flux job eventlog "$2" | awk '{print $2}'
}

event_count () {
    event_names "$1" "$2" | grep -cx "$3"
}

events_are () {
    test "$(event_count "$1" "$2" "$3")" = "$4"
}

siblings_of () {
    on "$1" flux job eventlog --format=json "$2" |
        jq -r 'select(.name == "delegate::sibling")
               | "\(.context.label) \(.context.jobid)"'
}

copy_on () {
    siblings_of "$1" "$2" | awk -v l="$3" '$1 == l {print $2}' | tail -n1
}
