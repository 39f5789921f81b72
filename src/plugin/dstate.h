/* SPDX-License-Identifier: LGPL-3.0 */

/* dstate.h - the states of a delegation and the legal moves between them
 *
 * The diagram is drawn at the top of delegation.c; this is its table,
 * which delegation_transition() consults before every move: a move not
 * in it is logged and refused.  Pure: no broker.
 */

#ifndef DELEGATE_DSTATE_H
#define DELEGATE_DSTATE_H

#include <stdbool.h>

enum dstate {
    D_HOLD,      // waits until the job may be sent
    D_PREPARE,   // target chosen, the job as submitted being read
    D_SUBMIT,    // copy sent, its remote id not known yet
    D_PENDING,   // the remote job is pending (the copy held until may run)
    D_ALLOC,     // remote R taken; the source job leaves DEPEND
    D_RUN,       // the source job has R; waits for the remote start
    D_RUNNING,   // started; waits for the remote finish
    D_FINISH,    // the source job is being finished with the remote status
    D_FAILED,    // ended with an exception raised by this plugin
    D_CANCELED,  // ended by a fatal exception on the source job
    D_RECOVER,   // taken over after a reload, its past being read
    D_WAIT,      // every target it may use is at its max-jobs
    D_OFFERED,   // siblings: copies on several targets, none granted
    D_GRANTED,   // siblings: one copy granted, its start awaited
    D_NSTATES,
};

/* "hold", "prepare", ... (for logs and queries); "?" if out of range.
 */
const char *dstate_name (enum dstate s);

/* True if a delegation in 'from' may move to 'to'.
 */
bool dstate_legal (enum dstate from, enum dstate to);

/* True in the states where the delegation holds a slot of its target
 * (max-jobs): from the choice of the target until the remote job finished.
 */
bool dstate_holds_slot (enum dstate s);

/* True in the states with no way out.
 */
bool dstate_ended (enum dstate s);

#endif /* !DELEGATE_DSTATE_H */

// vi:ts=4 sw=4 expandtab
