#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0
#
# t1003-delegate-ssh.t again, every instance it starts accepting
# delegated jobs ([delegate-accept], see t/lib/delegate.sh).

export DELEGATE_TEST_TARGETS=accept
. "$(dirname "$0")/t1003-delegate-ssh.t"
