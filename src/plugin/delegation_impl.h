/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_impl.h - inside a delegation, shared by its files
 *
 *   delegation.c          the state machine: states, failure, failover,
 *                         deadlines, link reports, life cycle
 *   delegation_prepare.c  PREPARE: choose the target, read J, send the copy
 *   delegation_hold.c     HOLD, WAIT: when the job may be sent, released
 *   delegation_run.c      ALLOC -> RUN -> RUNNING -> FINISH: the remote R,
 *                         job-exec's override, the output copy
 *   delegation_recover.c  RECOVER: a job delegated before a plugin reload
 */

#ifndef DELEGATE_DELEGATION_IMPL_H
#define DELEGATE_DELEGATION_IMPL_H

#include "delegation.h"
#include "output.h"

struct history;

enum dstate {
    D_HOLD,
    D_PREPARE,
    D_SUBMIT,
    D_PENDING,
    D_ALLOC,
    D_RUN,
    D_RUNNING,
    D_FINISH,
    D_FAILED,
    D_CANCELED,
    D_RECOVER,
    D_WAIT,
};

struct delegation {
    struct delegation *next;
    struct delegation **pprev;
    struct delegation_env *env;
    flux_jobid_t id;
    uint32_t userid;
    int urgency;
    struct route *route;
    struct link *link;  // of the current attempt
    char *label;        // of the current target, or NULL
    enum dstate state;

    json_t *others;  // other outstanding dependencies (a set; NULL: none yet)
    bool in_depend;
    bool early;    // sent from job.new, held on the target until may_run
    bool may_run;  // in DEPEND with no other dependency: release the copy
    bool dropped;

    flux_jobid_t remote_id;
    json_t *R;  // R for the source job
    bool remote_started;
    bool remote_finished;
    int remote_status;

    flux_future_t *f_J;  // the job as submitted
    flux_future_t *f_commit;
    flux_future_t *f_exec;             // override start or finish
    struct delegation *settle_next;    // in env's settle queue
    struct delegation **settle_pprev;  //   (NULL: not in it)
    flux_watcher_t *deadline_w;        // while a deadline is armed
    flux_watcher_t *retry_w;           // job-exec retries (from the first)
    int exec_tries;
    double exec_retry_since;
    bool exec_ready;  // job-exec runs the job: its guest namespace exists
    char *deadline_why;
    char *exc_type;            // fatal remote exception after start, raised
    char *exc_note;            //   once the source job has the remote status
    struct output *out;        // the remote output, from the remote start
    flux_future_t *f_recover;  // after a plugin reload
    struct history *recovered;
};

/* delegation.c */
void set_state (struct delegation *d, enum dstate state);
/* Look up 'key' in namespace 'ns' (NULL: the primary one); 'cb' gets the
 * future, kept in '*fp'.  On failure '*fp' is NULL: return -1 with errno.
 */
int lookup_then (struct delegation *d,
                 flux_future_t **fp,
                 const char *ns,
                 const char *key,
                 flux_continuation_f cb);
bool ended (struct delegation *d);
void fail (struct delegation *d, const char *type, bool cancel, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
void attempt_failed (struct delegation *d, bool on, bool cancel, const char *why);
void deadline_arm (struct delegation *d, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
void raise_held_exception (struct delegation *d);

/* delegation_prepare.c: choose the target and send the copy */
void prepare (struct delegation *d);

/* delegation_hold.c: take 'd' out of the queue of delegations to decide */
void settle_unlink (struct delegation *d);

/* delegation_run.c */
void take_R (struct delegation *d, json_t *remote_R);
void remote_start_seen (struct delegation *d);
void advance (struct delegation *d);
void output_complete_cb (void *arg);

#endif /* !DELEGATE_DELEGATION_IMPL_H */

// vi:ts=4 sw=4 expandtab
