#!/bin/sh
# SPDX-License-Identifier: LGPL-3.0
# Generate configure and the Makefile.in files; automake --add-missing
# brings in its own tap-driver.sh and the other helper scripts.
set -e
cd "$(dirname "$0")"
mkdir -p config
autoreconf --force --verbose --install
automake --add-missing --copy >/dev/null 2>&1 || true
test -f config/tap-driver.sh || cp "$(automake --print-libdir)/tap-driver.sh" config/
echo "Now run ./configure"
