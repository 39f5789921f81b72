# SPDX-License-Identifier: LGPL-3.0
#
# lib.sh - shell functions the benchmarks share (sourced, not run)

# child URI-VAR ID-VAR [SUBMIT-OPTIONS...]: start a child instance on
# one core, ready to run a job.  With CHILD_CONF set, the child reads its
# configuration from that file (see fake_cores) and has CHILD_CORES cores.
child () {
    local _id _uri
    _id=$(flux submit -n1 -c1 "${@:3}" flux start \
        ${CHILD_CONF:+-o,--config-path="$CHILD_CONF"} sleep inf)
    _uri=$(flux uri --local --wait "$_id")
    until FLUX_URI=$_uri flux resource list -s free -no {ncores} 2>/dev/null |
        grep -qx "${CHILD_CORES:-1}"; do sleep 0.1; done
    eval "$1=\$_uri; $2=\$_id"
}

# fake_cores FILE N: write a configuration giving an instance N cores of
# this host (not checked against the real ones), for jobs that only sleep
fake_cores () {
    cat >"$1" <<EOT
[resource]
noverify = true
[[resource.config]]
hosts = "$(hostname)"
cores = "0-$(($2 - 1))"
EOT
}

# stop_child ID: end the child instance that is job ID
stop_child () {
    flux cancel "$1" >/dev/null
    flux job wait-event -t 60 "$1" clean >/dev/null
}

# source_start URI-VAR ID-VAR TARGET [SUBMIT-OPTIONS...]: a child (see
# child) with the plugin ($plugin) loaded, whose link to the instance at
# TARGET exists (one delegated job ran)
source_start () {
    child "$1" "$2" "${@:4}"
    FLUX_URI=${!1} flux jobtap load "$plugin"
    FLUX_URI=${!1} flux run --dependency=delegate:"$3" true
}

# delegations URI STATE: the delegations in STATE of the source at URI
# (flux jobtap query)
delegations () {
    FLUX_URI=$1 flux jobtap query delegate.so | jq ".delegations.$2 // 0"
}

# last_started URI SECONDS: wait up to SECONDS for the start of the last
# job submitted among those running at URI (jobs start in order)
last_started () {
    FLUX_URI=$1 flux job wait-event -t "$2" "$(FLUX_URI=$1 flux jobs -n -f run \
        -o "{t_submit} {id}" | sort -g | tail -n1 | cut -d" " -f2)" start >/dev/null
}

# median of the numbers on stdin
median () {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# col FILE N: the median of column N of FILE
col () {
    awk -v c="$2" '{ print $c }' "$1" | median
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

# arenas FILE: "NR BYTES" for each malloc arena in a malloc_info(3)
# document: its size less its free chunks (fast bins, bins and top)
arenas () {
    awk -F'"' '/<heap nr=/ { nr = $2; fast = rest = 0 }
        /<total type="fast"/ && nr != "" { fast = $6 }
        /<total type="rest"/ && nr != "" { rest = $6 }
        /<system type="current"/ && nr != "" { print nr, $4 - fast - rest; nr = "" }' "$1"
}

# heap_bytes URI: "ALL JM", the bytes in use in all malloc arenas of the
# broker at URI and in the arenas of its job manager, as glibc's
# malloc_info(3) counts them, called through gdb (needs its Python) with
# the broker's threads stopped.  The job manager's threads are the
# module's own, named job-manager, and the link threads delegate.so
# starts: named delegate-link, or job-manager where they take their
# creator's name.  Their arenas are those a 64 KiB malloc() made in each
# of them grows (by 64 KiB give or take a few bytes, as the free chunks
# are counted: by more than 32 KiB; the other arenas, their threads
# stopped, do not change).  Start the broker with one arena per thread
# (GLIBC_TUNABLES=glibc.malloc.arena_max=64 in its environment), so
# these arenas hold what the job manager and its plugins allocated and
# nothing else.  Unlike RSS, freed memory the heap keeps is not counted.
# A reading that does not complete (a call that does not return, as when
# a thread was stopped holding an arena's lock, is interrupted after 60 s
# and undone: unwindonsignal), or where the arenas grown by the marks are
# not one per thread, is tried again, up to 5 times.
heap_bytes () {
    local d pid try ok=
    d=$(mktemp -d)
    pid=$(FLUX_URI=$1 flux getattr broker.pid)
    cat >"$d/cmds" <<EOT
set scheduler-locking on
set unwindonsignal on
python
jm = [t for t in gdb.selected_inferior().threads()
      if t.name in ("job-manager", "delegate-link")]
jm.sort(key=lambda t: t.name != "job-manager")
open("$d/threads", "w").write("%d\n" % len(jm))
def info(name):
    jm[0].switch()
    gdb.execute('set \$f = (void *) fopen("$d/%s", "w")' % name)
    gdb.execute("call (int) malloc_info(0, \$f)")
    gdb.execute("call (int) fclose(\$f)")
info("before")
marks = []
for t in jm:
    t.switch()
    marks.append(int(gdb.parse_and_eval("(long) malloc(65536)")))
info("after")
for m in marks:
    gdb.execute("call (void) free(%d)" % m)
end
EOT
    for try in 1 2 3 4 5; do
        rm -f "$d/before" "$d/after"
        timeout -s INT -k 30 60 gdb -q -p "$pid" -batch -x "$d/cmds" >"$d/log" 2>&1 || true
        if cat "$d/before" "$d/after" 2>/dev/null | grep -c '^</malloc>' | grep -qx 2; then
            arenas "$d/before" >"$d/1"
            arenas "$d/after" >"$d/2"
            # one arena grown by the mark per thread, else no reading
            paste "$d/1" "$d/2" | awk -v t="$(cat "$d/threads")" '{ all += $2 }
                $4 - $2 >= 32768 { jm += $2; n++ }
                END { if (n != t) exit 1; print all, jm }' >"$d/out" && ok=1 && break
        fi
        echo "heap_bytes: no reading, try $try: $(grep -v '^\[' "$d/log" | tail -n3 | tr '\n' ' ')" >&2
        sleep 5
    done
    test -n "$ok" && cat "$d/out"
    rm -rf "$d"
    test -n "$ok"
}
