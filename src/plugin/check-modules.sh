#!/bin/sh
# SPDX-License-Identifier: LGPL-3.0
#
# check-modules.sh DIR MAP - check the C sources under DIR against the
# module map MAP (format: see modules.map)
#
# Fails (exit 1), with one line on stderr for each problem, on:
#   - an #include "..." in a file of module M of a file of module N,
#     N != M, where M does not list N in "uses";
#   - a cycle among the modules' "uses";
#   - a .c or .h file under DIR that is not in the map;
#   - a file in the map that does not exist under DIR;
#   - a malformed map (unknown keyword, a file in two modules, "uses" of
#     an unknown module, ...).
# Exit 2: bad arguments, DIR or MAP unreadable.  Exit 0: all is well, and
# a summary on stdout.
#
# An include is taken relative to the including file's directory, as the
# compiler first looks for it; one that names no file of DIR (config.h,
# system headers) is not checked.
#
# POSIX sh, find, sort and awk only.

prog=check-modules

if test $# -ne 2; then
    echo "usage: $0 DIR MAP" >&2
    exit 2
fi
if ! test -d "$1"; then
    echo "$prog: $1: not a directory" >&2
    exit 2
fi
if ! test -f "$2" || ! test -r "$2"; then
    echo "$prog: $2: no such map (or not readable)" >&2
    exit 2
fi

# The .c and .h files under DIR, relative to it, one a line, sorted.
files=$(cd "$1" && find . -type f \( -name '*.c' -o -name '*.h' \) -print |
    sed 's|^\./||' | LC_ALL=C sort) || exit 2

printf '%s\n' "$files" | CHECK_DIR=$1 CHECK_MAP=$2 CHECK_PROG=$prog awk '
function problem(msg) {
    print prog ": " msg > "/dev/stderr"
    problems++
}

function map_problem(line, msg) {
    problem(map ":" line ": " msg)
}

# PATH with "." and "x/.." taken out, no leading or doubled "/"
function normalize(path,    n, parts, out, k, i, s) {
    n = split(path, parts, "/")
    k = 0
    for (i = 1; i <= n; i++) {
        if (parts[i] == "" || parts[i] == ".")
            continue
        if (parts[i] == ".." && k > 0 && out[k] != "..") {
            k--
            continue
        }
        out[++k] = parts[i]
    }
    s = ""
    for (i = 1; i <= k; i++)
        s = s (i > 1 ? "/" : "") out[i]
    return s
}

function dirname(path) {
    if (path !~ /\//)
        return ""
    sub(/\/[^\/]*$/, "", path)
    return path
}

# Depth-first search of the "uses" from module U, at DEPTH on the stack:
# a module met again while on the stack closes a cycle.
function visit(u, depth,    n, vs, i, v, j, path) {
    state[u] = "open"
    stack[depth] = u
    n = split(uses_list[u], vs, " ")
    for (i = 1; i <= n; i++) {
        v = vs[i]
        if (!(v in module_line))
            continue
        if (state[v] == "open") {
            for (j = 1; j <= depth && stack[j] != v; j++)
                ;
            path = ""
            for (; j <= depth; j++)
                path = path stack[j] " -> "
            map_problem(uses_line[u, v], "cycle among the modules: " path v)
        } else if (state[v] != "done")
            visit(v, depth + 1)
    }
    state[u] = "done"
}

BEGIN {
    dir = ENVIRON["CHECK_DIR"]
    map = ENVIRON["CHECK_MAP"]
    prog = ENVIRON["CHECK_PROG"]
    problems = 0
    nmodules = 0
    nmapped = 0
    current = ""
    lineno = 0
    while ((rc = (getline line < map)) > 0) {
        lineno++
        sub(/#.*/, "", line)
        n = split(line, w)
        if (n == 0)
            continue
        if (w[1] == "module") {
            if (n != 2) {
                map_problem(lineno, "\"module\" takes one name")
                current = ""
                continue
            }
            current = w[2]
            if (current in module_line)
                map_problem(lineno, "module " current " defined twice (first on line " module_line[current] ")")
            else {
                module_line[current] = lineno
                module_order[++nmodules] = current
                uses_list[current] = ""
            }
        } else if (w[1] == "files" || w[1] == "uses") {
            if (current == "") {
                map_problem(lineno, "\"" w[1] "\" outside a module stanza")
                continue
            }
            for (i = 2; i <= n; i++) {
                if (w[1] == "files") {
                    f = normalize(w[i])
                    if (f in owner)
                        map_problem(lineno, f " is in module " owner[f] " already")
                    else {
                        owner[f] = current
                        file_line[f] = lineno
                        mapped_order[++nmapped] = f
                    }
                } else if (w[i] == current)
                    map_problem(lineno, "module " current " lists itself in \"uses\" (its own files are always allowed)")
                else if (!((current, w[i]) in uses_line)) {
                    uses_line[current, w[i]] = lineno
                    uses_list[current] = uses_list[current] " " w[i]
                }
            }
        } else
            map_problem(lineno, "unknown keyword \"" w[1] "\" (module, files or uses)")
    }
    if (rc < 0) {
        problem(map ": cannot read")
        fatal = 1
        exit 2  # END still runs: it stops at once
    }
    close(map)
    for (k in uses_line) {
        split(k, pair, SUBSEP)
        if (!(pair[2] in module_line))
            map_problem(uses_line[k], "module " pair[1] " uses " pair[2] ", which is not a module")
    }
    for (m = 1; m <= nmodules; m++)
        if (state[module_order[m]] == "")
            visit(module_order[m], 1)
}

# the files under DIR, one a line
$0 != "" {
    present[$0] = 1
    present_order[++npresent] = $0
}

END {
    if (fatal)
        exit 2
    for (i = 1; i <= npresent; i++)
        if (!(present_order[i] in owner))
            problem(dir "/" present_order[i] ": not in the map " map)
    for (i = 1; i <= nmapped; i++)
        if (!(mapped_order[i] in present))
            map_problem(file_line[mapped_order[i]], mapped_order[i] " (module " owner[mapped_order[i]] "): no such file in " dir)
    edges = 0
    for (i = 1; i <= npresent; i++) {
        f = present_order[i]
        if (!(f in owner))
            continue
        m = owner[f]
        path = dir "/" f
        lineno = 0
        while ((rc = (getline line < path)) > 0) {
            lineno++
            if (line !~ /^[ \t]*#[ \t]*include[ \t]*"[^"]*"/)
                continue
            name = line
            sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", name)
            sub(/".*/, "", name)
            target = normalize(dirname(f) "/" name)
            if (!(target in owner))
                continue  # not a file of the map: outside DIR, or reported
            n = owner[target]
            if (n == m)
                continue
            edges++
            if (!((m, n) in uses_line))
                problem(path ":" lineno ": includes \"" name "\" of module " n ", but module " m " may not use " n " (" m " uses:" (uses_list[m] == "" ? " nothing" : uses_list[m]) ")")
        }
        if (rc < 0)
            problem(path ": cannot read")
        close(path)
    }
    if (problems) {
        print prog ": " problems " problem(s) with " map > "/dev/stderr"
        exit 1
    }
    print prog ": " nmodules " modules, " nmapped " files, " edges " includes between modules: all allowed, no cycle"
}
'
