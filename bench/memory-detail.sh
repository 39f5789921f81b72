#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# memory-detail.sh - where the job manager's memory per delegated job goes
#
#   memory-detail.sh DELEGATE_SO [N]        (make -C bench memory-detail)
#
# A source instance whose broker runs under valgrind's massif, with
# delegate.so loaded and a 1-core child instance B as its target.  Three
# detailed snapshots of the source's heap are taken (vgdb): after a first
# delegated job, after N (default 200) local jobs are held in DEPEND
# (afterany a job that does not end), and after N more jobs are delegated
# and pending on B (its queue stopped).  A block still allocated counts
# for the job manager if its allocation stack has the job manager's thread
# (mod_main of job-manager.c) or one of the plugin's link threads.  The
# blocks a delegated job added there are split by that stack:
#
#   plugin state   under a function of delegate.so, not through one of
#                  the calls below
#   records        under a function of delegate.so, through a jobtap
#                  call that makes the job manager keep something for
#                  the job: flux_jobtap_event_post_pack (delegate::submit,
#                  memo), flux_jobtap_job_set_flag (alloc-bypass),
#                  post_exec_test (the exec.test jobspec update and the
#                  object built for it), flux_jobtap_dependency_add (seen
#                  as jobtap_emit_dependency_event, being a tail call)
#   job manager    no function of delegate.so: the job itself (jobspec,
#                  eventlog), and the job manager applying the events
#
# massif counts the bytes asked for, not malloc's own overhead (8 to 16
# bytes a block), so its totals are below the arena figures of
# throughput.sh.  Needs valgrind (massif, vgdb) and python3.

set -e
plugin=$(realpath "${1:?usage: memory-detail.sh DELEGATE_SO [N]}")
. "$(dirname "$0")/lib.sh"
N=${2:-200}

if test -z "$DELEGATE_MASSIF_DIR"; then
    command -v valgrind >/dev/null || {
        echo "memory-detail.sh: valgrind is not installed" >&2
        exit 1
    }
    DELEGATE_MASSIF_DIR=$(mktemp -d /tmp/delegate-massif.XXXXXX)
    export DELEGATE_MASSIF_DIR
    d=$DELEGATE_MASSIF_DIR
    timeout 1800 flux start \
        --wrap=valgrind,--tool=massif,--threshold=0,--depth=60,--massif-out-file="$d/massif.out",--vgdb=yes,--vgdb-prefix="$d/vgdb" \
        /bin/bash "$0" "$plugin" "$N" || {
        echo "memory-detail.sh: the run failed (files in $d)" >&2
        exit 1
    }
    rm -rf "$d"
    exit 0
fi

d=$DELEGATE_MASSIF_DIR
pid=$(flux getattr broker.pid)

snapshot () {
    vgdb --vgdb-prefix="$d/vgdb" --pid="$pid" detailed_snapshot "$d/$1" >/dev/null
}

child B B_ID
flux jobtap load "$plugin" link-timeout=600s
flux run --dependency=delegate:"$B" true
blocker=$(flux submit sleep inf)
flux job wait-event -t 600 "$blocker" start >/dev/null
FLUX_URI=$B flux queue stop >/dev/null
sleep 2
snapshot s0
flux submit --quiet --cc=1-"$N" --dependency=afterany:"$blocker" true
wait_for 'test "$(flux jobs -n -f depend -o {id} | wc -l)" -eq "$N"' 600
sleep 2
snapshot s1
flux submit --quiet --cc=1-"$N" --dependency=delegate:"$B" true
wait_for 'test "$(flux jobtap query delegate.so | jq ".delegations.pending // 0")" -eq "$N"' 600
sleep 2
snapshot s2

# the address ranges delegate.so is mapped at
awk -v so="$plugin" '$6 == so { split($1, r, "-"); print r[1], r[2] }' \
    "/proc/$pid/maps" >"$d/ranges"

python3 - "$d" "$N" <<'EOF'
import re
import sys

d, n = sys.argv[1], int(sys.argv[2])
ranges = [tuple(int(x, 16) for x in line.split()) for line in open(d + "/ranges")]
RECORDS = re.compile(r": (flux_jobtap_(event_post_pack|job_set_flag|jobspec_update_pack"
                     r"|jobspec_update_id_pack)|jobtap_emit_dependency_event"
                     r"|post_exec_test) ")
NODE = re.compile(r"^( *)n(\d+): (\d+) (.*)$")


def ours(text):
    m = re.match(r"0x([0-9A-Fa-f]+):", text)
    return m is not None and any(lo <= int(m.group(1), 16) < hi for lo, hi in ranges)


def tally(name):
    """bytes by category of the job manager's blocks in a massif snapshot"""
    out = {"plugin state": 0, "records": 0, "job manager": 0}
    stack = []
    started = False
    for line in open(d + "/" + name):
        if "(heap allocation functions)" in line:
            started = True
            continue
        m = NODE.match(line.rstrip("\n"))
        if not started or not m:
            continue
        depth, kids, size, text = len(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
        stack[depth - 1:] = [text]
        if kids:
            continue
        mine = [i for i, t in enumerate(stack) if ours(t)]
        if not mine and not any("mod_main (job-manager.c" in t for t in stack):
            continue  # another module's thread, or the broker's
        if not mine:
            out["job manager"] += size
        elif any(RECORDS.search(t) for t in stack[: mine[0] + 1]):
            out["records"] += size
        else:
            out["plugin state"] += size
    return out


s0, s1, s2 = tally("s0"), tally("s1"), tally("s2")
local = sum(s1.values()) - sum(s0.values())
per = {k: (s2[k] - s1[k]) / n for k in s2}
total = sum(per.values())
print("job manager, bytes per job in flight (massif, N=%d):" % n)
print("  local job held in DEPEND:        %6.0f" % (local / n))
print("  delegated job pending on B:      %6.0f" % total)
for k in ("plugin state", "records", "job manager"):
    print("    %-30s %6.0f" % (k, per[k]))
print("  added by delegation:             %6.0f" % (total - local / n))
EOF

flux cancel "$blocker" >/dev/null
FLUX_URI=$B flux queue start >/dev/null
flux cancel --all >/dev/null 2>&1 || true
flux job wait-event -t 600 "$B_ID" clean >/dev/null || true
