/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_impl.h - inside the delegations, shared by their files
 *
 *   delegation.c          the state machine: the one transition function,
 *                         failure, failover, deadlines, link reports,
 *                         life cycle
 *   delegation_env.c      what they share: the map of jobs, and per
 *                         target a lane: the remote copies there (link
 *                         up and down), the jobs waiting for a slot
 *                         there; the targets' reports routed to the jobs
 *   delegation_prepare.c  PREPARE: choose the target, read J, send the copy
 *   delegation_hold.c     HOLD: when the job may be sent and released
 *   delegation_run.c      ALLOC -> RUN -> RUNNING -> FINISH: the remote R,
 *                         job-exec's override, the output copy
 *   delegation_recover.c  RECOVER: a job delegated before a plugin reload
 *   delegation_siblings.c OFFERED -> GRANTED: a job offered to several
 *                         targets at once (siblings[:K])
 */

#ifndef DELEGATE_DELEGATION_IMPL_H
#define DELEGATE_DELEGATION_IMPL_H

#include "delegation.h"
#include "dstate.h"
#include "idmap.h"
#include "output.h"

struct history;
struct lane;
struct delegation;

/* Jobs in WAIT, oldest (lowest id) first.
 */
struct wait_queue {
    struct delegation *head;
    struct delegation *tail;
};

/* A copy of the job sent to a target (or about to be).  A delegation
 * owns its copies, newest first; the first is the current attempt's.
 */
struct rcopy {
    struct rcopy *next;  // the delegation's copies
    struct rcopy *lane_next;
    struct rcopy **lane_pprev;  // in its lane's list of copies
    struct delegation *d;
    struct lane *lane;       // its target's
    char *label;             // of the target, or NULL
    flux_jobid_t remote_id;  // 0 until the target answered
    bool dropped : 1;        // the link was told to forget it
    bool started : 1;        // the remote job started
    bool finished : 1;       // the remote job finished, with 'status'
    /* a sibling's (delegation_siblings.c); bits, so that a copy stays
     * within the allocation size it had before siblings
     */
    bool slot : 1;     // it holds a slot of its target itself
    bool asked : 1;    // allocated there and held: it asks for the grant
    bool granted : 1;  // the grant was sent
    bool old_ask : 1;  // asked before a reload (maybe granted then): unresolved
    int status;
    json_t *R;  // a sibling's remote R, kept until it wins or goes
};

/* Per target, what the delegations keep (the target's user data).
 */
struct lane {
    struct lane *next;  // the env's lanes
    struct delegation_env *env;
    struct target *tg;
    struct rcopy *copies;
    struct wait_queue waiting;  // jobs that named it, waiting for a slot
    bool wake;                  // a slot freed since the last wake
};

/* How a failure treats the remote job, if any (now or once its id is
 * known).
 */
enum remote_fate {
    REMOTE_KEEP,    // left as it is (it ended, or failed by itself)
    REMOTE_CANCEL,  // cancelled
};

/* Where the reason of a failed attempt comes from.
 */
enum failure_origin {
    FAILED_HERE,       // "URI: why"
    FAILED_ON_TARGET,  // "on URI: why"
};

struct delegation_env {
    struct host host;
    double link_timeout;
    double lease;  // of sibling copies
    json_t *origin;
    uint32_t owner;
    struct targets *targets;
    struct idmap *byid;
    struct lane *lanes;
    int count[D_NSTATES];             // delegations in each state
    struct wait_queue waiting;        // jobs of policies, waiting for any slot
    struct host_timer *wake_timer;    // slots freed: wake the waiting
    struct delegation *settle_head;   // to decide once the callbacks
    struct delegation **settle_tail;  //   under way are over
    struct host_timer *settle_timer;
};

struct delegation {
    struct delegation_env *env;
    flux_jobid_t id;
    uint32_t userid;
    int urgency;
    int hops;  // delegated that many times before it came here
    struct route *route;
    struct rcopy *copies;  // the current attempt's first
    enum dstate state;

    json_t *others;  // other outstanding dependencies (a set; NULL: none yet)
    bool in_depend;
    bool early;       // sent from job.new, held on the target until may_run
    bool may_run;     // in DEPEND with no other dependency: release the copy
    bool round;       // the copies of this attempt are siblings
    bool recovering;  // siblings taken over after a reload (old asks)

    json_t *R;  // R for the source job

    struct host_req *req_J;  // the job as submitted
    struct host_req *req_commit;
    struct host_req *req_exec;         // override start or finish, or the
                                       //   guest namespace probe
    struct delegation *settle_next;    // in env's settle queue
    struct delegation **settle_pprev;  //   (NULL: not in it)
    struct delegation *wait_next;      // in a wait queue (WAIT)
    struct delegation *wait_prev;
    struct wait_queue *wait_queue;      //   (NULL: not in one)
    struct host_timer *deadline_timer;  // while a deadline is armed
    struct host_timer *retry_timer;     // job-exec retries (from the first)
    int exec_tries;
    double exec_retry_since;
    bool exec_ready;  // job-exec runs the job: its guest namespace exists
    char *deadline_why;
    char *exc_type;                // fatal remote exception after start, raised
    char *exc_note;                //   once the source job has the remote status
    struct output *out;            // the remote output, from the remote start
    struct host_req *req_recover;  // after a plugin reload
    struct history *recovered;
};

/* delegation.c */
/* Move 'd' to 'to' if the table (dstate.h) allows it: keeps the counts,
 * the slots of the targets and the wait queues.  An illegal move is
 * logged and refused: return -1 (EINVAL), 'd' unchanged.
 */
int delegation_transition (struct delegation *d, enum dstate to);
bool delegation_ended (struct delegation *d);
void delegation_log (struct delegation *d, int level, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* End the delegation with an exception of 'type' on the source job.
 */
void delegation_fail (struct delegation *d,
                      const char *type,
                      enum remote_fate fate,
                      const char *fmt,
                      ...) __attribute__ ((format (printf, 4, 5)));
/* The current attempt failed before the remote job started: a job routed
 * by a policy tries the next target; any other fails.
 */
void delegation_attempt_failed (struct delegation *d,
                                enum failure_origin origin,
                                enum remote_fate fate,
                                const char *why);
int delegation_deadline_arm (struct delegation *d, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
void delegation_deadline_stop (struct delegation *d);
void delegation_raise_held_exception (struct delegation *d);
int delegation_post (struct delegation *d, const char *name, json_t *context);
/* Look up 'key' in namespace 'ns' (NULL: the primary one); 'cb' gets
 * the answer, the request is kept in '*reqp' (NULL once answered).
 */
int delegation_lookup_key (struct delegation *d,
                           struct host_req **reqp,
                           const char *ns,
                           const char *key,
                           host_lookup_f cb);
/* A link report about this job's current copy.
 */
void delegation_report (struct delegation *d, const struct link_report *rep);
/* The link of the current copy was lost ('up' false) or is back.
 */
void delegation_link_state (struct delegation *d, bool up, const char *why);

/* delegation_env.c */
struct lane *lane_of (struct delegation_env *env, struct target *tg);
/* The current copy (the delegation's first), or NULL. */
static inline struct rcopy *current_copy (struct delegation *d)
{
    return d->copies;
}
const char *copy_uri (struct rcopy *c);
struct link *copy_link (struct rcopy *c);
/* A new current copy on 'tg', labelled 'label' (NULL with errno).
 */
struct rcopy *copy_add (struct delegation *d, struct target *tg, const char *label);
/* Tell the link to forget the copy (cancelling the remote job with a
 * reason), once.
 */
void copy_drop (struct rcopy *c, const char *cancel_reason);
/* Forget the copy altogether (dropped first; its own slot, if it has
 * one, given back). */
void copy_remove (struct rcopy *c);
/* Make 'c' the delegation's current copy (its first). */
void copy_make_current (struct rcopy *c);
/* Queue 'd' (in WAIT) in 'q': its lane's (the target it named) or the
 * env's (a slot of any target its policy may use). */
void wait_enqueue (struct delegation *d, struct wait_queue *q);
void wait_unlink (struct delegation *d);
/* Give back a slot of the target of 'lane', and wake who waits for it,
 * soon. */
void lane_slot_release (struct lane *lane);

/* delegation_prepare.c: choose the target and send the copy */
void delegation_prepare (struct delegation *d);
/* The copy of 'd' for link_submit(), 'key' its key (borrowed). */
struct link_job delegation_link_job (struct delegation *d,
                                     const char *jobspec,
                                     const char *J,
                                     const char *key);
/* The key of this attempt (accept.h): "INSTANCE/SRCID/ATTEMPT". */
void delegation_attempt_key (struct delegation *d, char *buf, size_t size);

/* delegation_hold.c */
void settle_unlink (struct delegation *d);
void settle_timer_cb (void *arg);

/* delegation_siblings.c */
/* ROUTE_SIBLINGS: a copy on each target of the round, each with a slot.
 * Return 0, or -1 with errno.
 */
int siblings_add (struct delegation *d, const struct route_choice *ch, int n);
/* J read: send every copy of the round, then OFFERED. */
void siblings_send (struct delegation *d, const char *jobspec, const char *J);
/* A report about copy 'c' of a delegation in OFFERED or GRANTED. */
void siblings_report (struct delegation *d,
                      struct rcopy *c,
                      const struct link_report *rep);
/* The attempt failed (no answer, contact lost with the granted target):
 * never another round, a partition must not make a second run.
 */
void siblings_fail (struct delegation *d, const char *why);
/* After a reload: follow the copies an eventlog lists (RECOVER ->
 * OFFERED, or HOLD if none could be), granting none that may have asked
 * before.  -1 if it failed ('d' may be gone).
 */
int siblings_recover (struct delegation *d, const struct history *h);
static inline bool siblings_offered (struct delegation *d)
{
    return d->state == D_OFFERED || d->state == D_GRANTED;
}

/* delegation.c, for the siblings */
/* The copy 'c' (the current one) is the job's: delegate::submit, memo.
 */
void delegation_submitted (struct delegation *d, flux_jobid_t remote_id);
/* Tell the link to forget every copy (cancelling with 'reason'). */
void delegation_drop_copies (struct delegation *d, const char *reason);

/* delegation_run.c */
void delegation_take_R (struct delegation *d, json_t *remote_R);
void delegation_remote_started (struct delegation *d);
void delegation_advance (struct delegation *d);
void delegation_output_cb (void *arg);

#endif /* !DELEGATE_DELEGATION_IMPL_H */

// vi:ts=4 sw=4 expandtab
