/* SPDX-License-Identifier: LGPL-3.0 */

/* test_dstate.c - the table of legal moves of a delegation
 */

#include <string.h>

#include "src/plugin/dstate.h"
#include "tap.h"

int main (void)
{
    int bad = 0;

    for (int s = 0; s < D_NSTATES; s++) {
        bool ended = s == D_FAILED || s == D_CANCELED;
        if (dstate_ended (s) != ended
            || (!ended
                && (!dstate_legal (s, D_FAILED) || !dstate_legal (s, D_CANCELED))))
            bad++;
        for (int t = 0; t < D_NSTATES; t++)
            if (ended && dstate_legal (s, t))
                bad++;
        if (dstate_legal (s, s))
            bad++;
    }
    ok (bad == 0,
        "every state not ended may fail or be cancelled; nothing leaves an "
        "ended one; no state moves to itself");
    bad = 0;
    for (int s = 0; s < D_NSTATES; s++)
        if (dstate_holds_slot (s) != (s >= D_PREPARE && s <= D_RUNNING))
            bad++;
    ok (bad == 0, "a slot is held from PREPARE to RUNNING");
    ok (dstate_legal (D_HOLD, D_PREPARE) && dstate_legal (D_PREPARE, D_SUBMIT)
            && dstate_legal (D_SUBMIT, D_PENDING) && dstate_legal (D_PENDING, D_ALLOC)
            && dstate_legal (D_ALLOC, D_RUN) && dstate_legal (D_RUN, D_RUNNING)
            && dstate_legal (D_RUNNING, D_FINISH),
        "the way from HOLD to FINISH is legal");
    ok (dstate_legal (D_PENDING, D_HOLD) && !dstate_legal (D_ALLOC, D_HOLD)
            && !dstate_legal (D_RUN, D_HOLD),
        "failover (back to HOLD) only before the job leaves DEPEND");
    ok (!dstate_legal (D_HOLD, D_RUNNING) && !dstate_legal (D_WAIT, D_SUBMIT)
            && !dstate_legal (D_FINISH, D_RUNNING),
        "no shortcut: HOLD -> RUNNING, WAIT -> SUBMIT, FINISH -> RUNNING are not "
        "legal");
    ok (!dstate_legal (D_NSTATES, D_HOLD) && !dstate_legal (D_HOLD, -1)
            && !strcmp (dstate_name (D_NSTATES), "?")
            && !strcmp (dstate_name (D_WAIT), "wait"),
        "out of range: illegal, named ?");
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
