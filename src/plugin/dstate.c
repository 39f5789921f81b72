/* SPDX-License-Identifier: LGPL-3.0 */

/* dstate.c - the legal moves of a delegation (see dstate.h, and the
 * diagram at the top of delegation.c)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif

#include "dstate.h"

#define TO(s) (1u << (s))

/* Failing (an exception raised here) and being cancelled (a fatal
 * exception on the source) are possible from every state not ended.
 */
#define ENDINGS (TO (D_FAILED) | TO (D_CANCELED))

static const struct {
    const char *name;
    unsigned int to;  // the states it may move to
    bool holds_slot;
} table[D_NSTATES] = {
    /* RECOVER: a delegation created for a job found active at load */
    [D_HOLD] = {"hold", TO (D_PREPARE) | TO (D_WAIT) | TO (D_RECOVER) | ENDINGS, false},
    [D_WAIT] = {"wait", TO (D_PREPARE) | ENDINGS, false},
    /* back to HOLD: the attempt failed and another target is tried; a
     * job out of DEPEND (ALLOC and later) can no longer move
     */
    [D_PREPARE] = {"prepare",
                   TO (D_SUBMIT) | TO (D_OFFERED) | TO (D_HOLD) | ENDINGS,
                   true},
    [D_SUBMIT] = {"submit", TO (D_PENDING) | TO (D_HOLD) | ENDINGS, true},
    [D_PENDING] = {"pending", TO (D_ALLOC) | TO (D_HOLD) | ENDINGS, true},
    [D_ALLOC] = {"alloc", TO (D_RUN) | ENDINGS, true},
    [D_RUN] = {"run", TO (D_RUNNING) | ENDINGS, true},
    [D_RUNNING] = {"running", TO (D_FINISH) | ENDINGS, true},
    /* FAILED: the remote exception held until the finish is raised */
    [D_FINISH] = {"finish", ENDINGS, false},
    [D_FAILED] = {"failed", 0, false},
    [D_CANCELED] = {"canceled", 0, false},
    [D_RECOVER] = {"recover",
                   TO (D_HOLD) | TO (D_PENDING) | TO (D_RUN) | TO (D_RUNNING)
                       | TO (D_OFFERED) | ENDINGS,
                   false},
    /* siblings (delegation_siblings.c): each copy holds a slot of its
     * own target; back to HOLD for a new round when every copy ended
     * without starting; PENDING once the granted copy started
     */
    [D_OFFERED] = {"offered",
                   TO (D_GRANTED) | TO (D_PENDING) | TO (D_HOLD) | ENDINGS,
                   false},
    [D_GRANTED] = {"granted", TO (D_PENDING) | TO (D_HOLD) | ENDINGS, false},
};

static bool valid (enum dstate s)
{
    return (unsigned int)s < D_NSTATES;
}

const char *dstate_name (enum dstate s)
{
    return valid (s) ? table[s].name : "?";
}

bool dstate_legal (enum dstate from, enum dstate to)
{
    return valid (from) && valid (to) && (table[from].to & TO (to)) != 0;
}

bool dstate_holds_slot (enum dstate s)
{
    return valid (s) && table[s].holds_slot;
}

bool dstate_ended (enum dstate s)
{
    return valid (s) && table[s].to == 0;
}

// vi:ts=4 sw=4 expandtab
