#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# memory-detail.sh - where the job manager's memory per delegated job goes
#
#   memory-detail.sh DELEGATE_SO [N]        (make -C bench memory-detail)
#
# A source instance whose broker runs under valgrind's massif, with
# delegate.so loaded and a child instance B as its target, both given
# 1024 cores (configured, not checked).  Detailed snapshots of the
# source's heap are taken (vgdb), for two states of N jobs (default 200):
#
#   waiting   after a first delegated job, after N local jobs are held
#             in DEPEND (afterany a job that does not end), and after N
#             more jobs are delegated and pending on B (its queue stopped)
#   running   once those ended, after N local jobs run "sleep inf", and
#             after N more jobs are delegated and their remote jobs run
#             "sleep inf"
#
# A block still allocated counts for the job manager if its allocation
# stack has the job manager's thread (mod_main of job-manager.c) or one
# of the plugin's link threads.  The blocks a delegated job added there
# are split by that stack:
#
#   plugin state   under a function of delegate.so, not through one of
#                  the calls below
#   records        under a function of delegate.so, through a jobtap
#                  call that makes the job manager keep something for
#                  the job: flux_jobtap_event_post_pack (delegate::submit,
#                  memo, alloc), flux_jobtap_dependency_add and _remove
#                  (seen as jobtap_emit_dependency_event, being tail
#                  calls), and once the remote job is allocated (so never
#                  for a job pending on B) ready_to_run (the alloc-bypass
#                  flag, the exec.test jobspec update and the object
#                  built for it)
#   job manager    no function of delegate.so: the job itself (jobspec,
#                  eventlog), and the job manager applying the events
#
# massif counts the bytes asked for, not malloc's own overhead (8 to 16
# bytes a block), so its totals are below the arena figures of
# memory.sh.  Needs valgrind (massif, vgdb) and python3.

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
    fake_cores "$d/cores.toml" 1024
    timeout 1800 flux start --config-path="$d/cores.toml" \
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

export CHILD_CONF=$d/cores.toml CHILD_CORES=1024
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
wait_for 'test "$(delegations "$FLUX_URI" pending)" -eq "$N"' 600
sleep 2
snapshot s2

# the copies on B go, and so do their source jobs; the local jobs run
FLUX_URI=$B flux cancel --all >/dev/null 2>&1
FLUX_URI=$B flux queue start >/dev/null
flux cancel "$blocker" >/dev/null
wait_for 'test "$(flux jobs -n -o {id} | wc -l)" -eq 1' 600  # B only
flux job purge --force --num-limit=0 >/dev/null
sleep 2
snapshot s3
flux submit --quiet --cc=1-"$N" sleep inf
wait_for 'test "$(flux jobs -n -f run -o {id} | wc -l)" -eq $((N + 1))' 600  # and B
last_started "$FLUX_URI" 600
sleep 2
snapshot s4
flux submit --quiet --cc=1-"$N" --dependency=delegate:"$B" sleep inf
wait_for 'test "$(delegations "$FLUX_URI" running)" -eq "$N"' 600
sleep 2
snapshot s5

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
                     r"|ready_to_run) ")
NODE = re.compile(r"^( *)n(\d+): (\d+) (.*)$")


def ours(text):
    m = re.match(r"0x([0-9A-Fa-f]+):", text)
    return m is not None and any(lo <= int(m.group(1), 16) < hi for lo, hi in ranges)


def tally(name):
    """bytes by category of the job manager's blocks in a massif snapshot,
    and the plugin state's bytes by the innermost function of delegate.so"""
    out = {"plugin state": 0, "records": 0, "job manager": 0}
    sites = {}
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
            site = re.sub(r"^0x[0-9A-Fa-f]+: | \(.*$", "", stack[mine[0]])
            sites[site] = sites.get(site, 0) + size
    return out, sites


snaps = {name: tally(name) for name in ("s0", "s1", "s2", "s3", "s4", "s5")}


def report(state, local_desc, deleg_desc, base, local, deleg):
    (b, _), (l, lsites), (g, gsites) = snaps[base], snaps[local], snaps[deleg]
    per_local = (sum(l.values()) - sum(b.values())) / n
    per = {k: (g[k] - l[k]) / n for k in g}
    total = sum(per.values())
    print("%s: job manager, bytes per job in flight (massif, N=%d):" % (state, n))
    print("  %-32s %6.0f" % (local_desc + ":", per_local))
    print("  %-32s %6.0f" % (deleg_desc + ":", total))
    for k in ("plugin state", "records", "job manager"):
        print("    %-30s %6.0f" % (k, per[k]))
    print("  %-32s %6.0f" % ("added by delegation:", total - per_local))
    print("  plugin state by the plugin's function that asked for it:")
    sites = {k: (v - lsites.get(k, 0)) / n for k, v in gsites.items()}
    for k, v in sorted(sites.items(), key=lambda kv: -kv[1]):
        if v >= 1:
            print("    %-30s %6.0f" % (k, v))


report("waiting", "local job held in DEPEND", "delegated job pending on B", "s0", "s1", "s2")
report("running", "local job running", "delegated job running on B", "s3", "s4", "s5")
EOF

flux cancel --all >/dev/null 2>&1 || true
flux job wait-event -t 600 "$B_ID" clean >/dev/null || true
