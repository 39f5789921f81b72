/* SPDX-License-Identifier: LGPL-3.0 */

/* link.h - one remote Flux instance, reached from the job manager:
 * the interface
 *
 * A link is an object behind a table of operations (struct link_ops),
 * so that its users (targets.c, the delegations) hold no implementation:
 * the plugin opens links with link_thread_open() (link_thread.h), the
 * unit tests with a fake.  Every operation returns at once; reports come
 * back through the callback given at open, on the job manager's thread,
 * one at a time, in order.
 *
 * Protocol, per source job (srcid):
 *
 *   link_submit ──> SUBMITTED(remote_id) | SUBMIT_FAILED(text)
 *                   to a target that accepts delegated jobs (accept.h):
 *                   the accept request, with the job's key (with the
 *                   other jobs sent at once, in one request), then an
 *                   ack once its id is known (with the others, in one
 *                   message); resent with the same key if the
 *                   connection drops before the answer.
 *                   To another: the jobspec is submitted held, and
 *                   released with the given urgency once its id is
 *                   known (another user's J cannot go there).
 *   then, until link_drop:
 *     EVENT(entry) for the remote job's events, in order: "alloc",
 *       "start", "exception", "finish" and "clean" once each (from the
 *       target's journal or the job's eventlog, see rjob_follow.c);
 *       its other events only where its eventlog is watched
 *     R(obj) once, after the remote "alloc" event
 *     OUTPUT(text) for each entry of the remote output eventlog (RFC 24,
 *       "guest.output"), watched from the remote "start" event, in order
 *     OUTPUT_END(text) when that eventlog ended (text "") or could not
 *       be read (text: why)
 *     LOST(text) if the remote eventlog cannot be followed
 *
 *   A copy made with a lease (a sibling's) is held by the target once
 *   allocated: its "prolog-start" event of description "delegate-lease"
 *   (the ask) is reported as an EVENT too; link_grant lets it start.
 *
 *   link_follow(remote_id) starts at "then" for a job submitted earlier,
 *   skipping the entries of each eventlog already reported.
 *   link_drop(reason) forgets the job; with a reason, the remote job is
 *   cancelled (once its id is known, and once the link is up).
 *
 * Per link (srcid 0): UP(obj) when connected, obj the target's answer
 * to hello (accept.h; {"accept": false} from a target without it),
 * DOWN(text) when a connection
 * attempt failed or the connection was lost, METRICS(obj) now and then
 * for a kept link (see metrics.h), ORPHAN(srcid, remote_id, text) when
 * the copy of a job whose submission answer was lost was found on the
 * target and cancelled (text: NULL, or why the cancel failed; see
 * orphan.h).  While down, the link reconnects with
 * backoff as long as it has jobs or is kept; followed jobs are watched
 * again from where they were.  A submission pending when a connect
 * attempt fails gets SUBMIT_FAILED.
 */

#ifndef DELEGATE_LINK_H
#define DELEGATE_LINK_H

#include <stdbool.h>
#include <jansson.h>
#include <flux/core.h>

struct link;

enum link_report_type {
    LINK_UP,
    LINK_DOWN,
    LINK_SUBMITTED,
    LINK_SUBMIT_FAILED,
    LINK_EVENT,
    LINK_R,
    LINK_LOST,
    LINK_OUTPUT,
    LINK_OUTPUT_END,
    LINK_METRICS,
    LINK_ORPHAN,
};

struct link_report {
    enum link_report_type type;
    flux_jobid_t srcid;      // 0 for UP and DOWN
    flux_jobid_t remote_id;  // SUBMITTED, EVENT, R, ORPHAN
    json_t *obj;             // EVENT: eventlog entry, R: the remote R,
                             //   METRICS: see metrics.h, UP: hello
    char *text;              // DOWN, SUBMIT_FAILED, LOST, OUTPUT_END: the
                             //   reason; OUTPUT: the entry
    bool live;               // EVENT: read from the target's journal as it
                             //   was posted (not its backlog, nor a watch
                             //   of the eventlog): it happened after this
                             //   link connected
};

typedef void (*link_report_f) (struct link *l,
                               const struct link_report *rep,
                               void *arg);

/* How a link behaves, fixed when it is opened.
 */
struct link_params {
    /* Read the target's job event journal too, where the target allows
     * it, for earlier notice of its jobs' events (journal.h).
     */
    bool journal;
    /* A link not kept (link_keep) closes its connection, and its thread,
     * once it had nothing to do (no remote job, no orphan search, no
     * command queued) for this many seconds; the next command opens it
     * again.  <= 0: never.
     */
    double idle;
};

/* A copy to make (link_submit).
 */
struct link_job {
    const char *jobspec;  // the copy of a job of this instance's owner,
    const char *J;        //   or the signed J of another user's job
    uint32_t userid;      // the job's owner
    int urgency;          // the job's
    bool hold;            // held (not acknowledged) until link_release
    const char *key;      // of this attempt: "INSTANCE/SRCID/ATTEMPT"
    int hops;             // the copy's: 1 + those of the job
    json_t *origin;       // this instance: {"host": s, "uri": s, ...}
    double lease;         // > 0: a sibling's copy, held before it starts
                          //   until link_grant (accept.h); accepting
                          //   targets only
};

struct link_ops {
    const char *(*uri) (struct link *l);
    bool (*is_up) (struct link *l);
    int (*keep) (struct link *l, double interval);
    int (*submit) (struct link *l, flux_jobid_t srcid, const struct link_job *job);
    int (*release) (struct link *l, flux_jobid_t srcid, int urgency);
    int (*follow) (struct link *l,
                   flux_jobid_t srcid,
                   flux_jobid_t remote_id,
                   int skip_events,
                   int skip_output);
    int (*drop) (struct link *l, flux_jobid_t srcid, const char *cancel_reason);
    int (*kill) (struct link *l, flux_jobid_t srcid, int signum);
    int (*grant) (struct link *l, flux_jobid_t srcid);
    void (*destroy) (struct link *l);
};

/* Every implementation's object starts with this.
 */
struct link {
    const struct link_ops *ops;
};

/* Open a link to 'uri' whose reports go to 'cb'.  No connection is made
 * until there is work.  'arg' is the opener's own (link_thread_open():
 * the job manager's reactor).  NULL with errno on failure.
 */
typedef struct link *(*link_open_f) (void *arg,
                                     const char *uri,
                                     const struct link_params *params,
                                     link_report_f cb,
                                     void *cb_arg);

/* Stop the link and free it: no callback is made after this returns,
 * and it returns at once whatever the target does.  Remote jobs not
 * dropped are left as they are.
 */
static inline void link_destroy (struct link *l)
{
    if (l)
        l->ops->destroy (l);
}

static inline const char *link_uri (struct link *l)
{
    return l->ops->uri (l);
}

/* True while the link has a connection to the target.
 */
static inline bool link_is_up (struct link *l)
{
    return l->ops->is_up (l);
}

/* Keep the link connected from now on, and poll the target's metrics
 * every 'interval' seconds (0: no metrics).
 */
static inline int link_keep (struct link *l, double interval)
{
    return l->ops->keep (l, interval);
}

/* Make the copy 'job' of 'srcid' (copied: the caller keeps 'job').
 */
static inline int link_submit (struct link *l,
                               flux_jobid_t srcid,
                               const struct link_job *job)
{
    return l->ops->submit (l, srcid, job);
}

/* Give the remote job of 'srcid' a new urgency (a job submitted held is
 * released), now or once its id is known and the link is up.
 */
static inline int link_release (struct link *l, flux_jobid_t srcid, int urgency)
{
    return l->ops->release (l, srcid, urgency);
}

static inline int link_follow (struct link *l,
                               flux_jobid_t srcid,
                               flux_jobid_t remote_id,
                               int skip_events,
                               int skip_output)
{
    return l->ops->follow (l, srcid, remote_id, skip_events, skip_output);
}

static inline int link_drop (struct link *l,
                             flux_jobid_t srcid,
                             const char *cancel_reason)
{
    return l->ops->drop (l, srcid, cancel_reason);
}

/* Send 'signum' to the remote job of 'srcid' (if known; while up).
 */
static inline int link_kill (struct link *l, flux_jobid_t srcid, int signum)
{
    return l->ops->kill (l, srcid, signum);
}

/* Let the held copy of 'srcid' (made with a lease) start: sent once its
 * id is known and the link is up, with the other grants of the same
 * pass in one message, and again after each reconnect (a target ignores
 * the grant of a copy it no longer holds).
 */
static inline int link_grant (struct link *l, flux_jobid_t srcid)
{
    return l->ops->grant (l, srcid);
}

#endif /* !DELEGATE_LINK_H */

// vi:ts=4 sw=4 expandtab
