#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0

test_description='the module layers of src/plugin: src/plugin/modules.map
checked by src/plugin/check-modules.sh, on the real tree and on fixtures
(no Flux instance)'

: "${DELEGATE_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
. /usr/share/sharness/sharness.sh

check () {
    sh "$DELEGATE_SRCDIR/src/plugin/check-modules.sh" "$@"
}

# A fixture tree DIR, its map DIR/modules.map: base <- mid <- top, each
# include allowed; config.h and a system header are outside the map.
make_good () {
    mkdir "$1" &&
    cat >"$1/modules.map" <<-EOF &&
	# a fixture
	module base
	  files base.c base.h
	module mid
	  files mid.c mid.h
	  uses base
	module top
	  files top.c
	  uses mid base
	EOF
    printf "#include \"base.h\"\n" >"$1/base.c" &&
    : >"$1/base.h" &&
    printf "#include <stdio.h>\n#include \"config.h\"\n#include \"mid.h\"\n" >"$1/mid.c" &&
    printf "#include \"base.h\"\n" >"$1/mid.h" &&
    printf "#include \"mid.h\"\n#  include \"./base.h\"\n" >"$1/top.c"
}

# The lead's restructuring of src/plugin brings the tree to the map: until
# it lands, this fails and lists what is left to do.
test_expect_success 'the real tree follows src/plugin/modules.map' '
    check "$DELEGATE_SRCDIR/src/plugin" "$DELEGATE_SRCDIR/src/plugin/modules.map"
'
test_expect_success 'a correct fixture passes, includes between modules counted' '
    make_good good &&
    check good good/modules.map >out &&
    cat out &&
    grep "3 modules, 5 files, 3 includes between modules: all allowed, no cycle" out
'
test_expect_success 'fails on an include of a module not in "uses"' '
    make_good edge &&
    printf "#include \"mid.h\"\n" >>edge/base.c &&
    test_expect_code 1 check edge edge/modules.map 2>err &&
    cat err &&
    grep "^check-modules: edge/base.c:2: includes \"mid.h\" of module mid, but module base may not use mid (base uses: nothing)$" err &&
    grep "1 problem(s)" err
'
test_expect_success 'fails on a cycle among the modules in the map' '
    make_good cycle &&
    sed -i "s/^  files base.c base.h$/&\n  uses top/" cycle/modules.map &&
    test_expect_code 1 check cycle cycle/modules.map 2>err &&
    cat err &&
    grep "^check-modules: cycle/modules.map:7: cycle among the modules: base -> top -> mid -> base$" err &&
    grep "^check-modules: cycle/modules.map:10: cycle among the modules: base -> top -> base$" err &&
    ! grep "includes" err
'
test_expect_success 'fails on a source file not in the map' '
    make_good unmapped &&
    mkdir unmapped/sub &&
    : >unmapped/sub/extra.h &&
    test_expect_code 1 check unmapped unmapped/modules.map 2>err &&
    cat err &&
    grep "^check-modules: unmapped/sub/extra.h: not in the map unmapped/modules.map$" err &&
    grep "1 problem(s)" err
'
test_expect_success 'fails on a file of the map that does not exist' '
    make_good missing &&
    rm missing/mid.h &&
    test_expect_code 1 check missing missing/modules.map 2>err &&
    cat err &&
    grep "^check-modules: missing/modules.map:5: mid.h (module mid): no such file in missing$" err &&
    grep "1 problem(s)" err
'
test_expect_success 'fails on a malformed map: unknown keyword, a file twice, an unknown module' '
    make_good malformed &&
    cat >>malformed/modules.map <<-EOF &&
	module other
	  file other.c
	  files base.h
	  uses nowhere
	EOF
    test_expect_code 1 check malformed malformed/modules.map 2>err &&
    cat err &&
    grep "modules.map:11: unknown keyword \"file\"" err &&
    grep "modules.map:12: base.h is in module base already" err &&
    grep "modules.map:13: module other uses nowhere, which is not a module" err
'
test_expect_success 'exit 2, with a message, without a map or a directory' '
    make_good args &&
    test_expect_code 2 check args args/nothing.map 2>err &&
    grep "args/nothing.map: no such map" err &&
    test_expect_code 2 check nodir args/modules.map 2>err &&
    grep "nodir: not a directory" err &&
    test_expect_code 2 check args 2>err &&
    grep "usage:" err
'
test_done
