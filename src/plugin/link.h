/* SPDX-License-Identifier: LGPL-3.0 */

/* link.h - one remote Flux instance, reached from the job manager
 *
 * A link owns a thread with its own reactor and its own flux_t handle
 * on the target.  Everything that can block (flux_open(3), which waits
 * without a timeout for a handshake, and any traffic on the remote
 * handle) happens on that thread, never on the job manager's.
 *
 * The job manager's thread talks to it through two queues:
 *
 *   commands   link_submit(), link_follow(), link_drop()... return at once;
 *              the link thread picks them up.
 *   reports    the link thread queues a report and wakes a watcher on
 *              the job manager's reactor, which calls the report
 *              callback there, one report at a time, in order.
 *
 * Protocol, per source job (srcid):
 *
 *   link_submit ──> SUBMITTED(remote_id) | SUBMIT_FAILED(text)
 *                   (the remote job is submitted held, and released
 *                   with the given urgency once its id is known)
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
 *   link_follow(remote_id) starts at "then" for a job submitted earlier,
 *   skipping the entries of each eventlog already reported.
 *   link_drop(reason) forgets the job; with a reason, the remote job is
 *   cancelled (once its id is known, and once the link is up).
 *
 * Per link (srcid 0): UP when connected, DOWN(text) when a connection
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
                             //   METRICS: see metrics.h
    char *text;              // DOWN, SUBMIT_FAILED, LOST, OUTPUT_END: the
                             //   reason; OUTPUT: the entry
};

typedef void (*link_report_f) (struct link *l,
                               const struct link_report *rep,
                               void *arg);

/* Create a link to 'uri'; reports are delivered on reactor 'r'.
 * No connection is made until there is work.  With 'journal', the
 * target's job event journal is read too, where the target allows it,
 * for earlier notice of its jobs' events (journal.h).
 */
struct link *link_create (
    flux_reactor_t *r, const char *uri, bool journal, link_report_f cb, void *arg);

/* Stop the link thread and free everything.  A thread stuck in
 * flux_open(3) is cancelled.  No callback is made after this returns.
 */
void link_destroy (struct link *l);

const char *link_uri (struct link *l);

/* True while the link has a connection to the target.
 */
bool link_is_up (struct link *l);

/* Keep the link connected from now on, and poll the target's metrics
 * every 'interval' seconds (0: no metrics).
 */
int link_keep (struct link *l, double interval);

/* Submit 'jobspec' for 'srcid', held; once the target gave it an id it
 * gets 'urgency' (FLUX_JOB_URGENCY_HOLD: it stays held).
 */
int link_submit (struct link *l, flux_jobid_t srcid, const char *jobspec, int urgency);

/* Give the remote job of 'srcid' a new urgency (a job submitted held is
 * released), now or once its id is known and the link is up.
 */
int link_release (struct link *l, flux_jobid_t srcid, int urgency);

int link_follow (struct link *l,
                 flux_jobid_t srcid,
                 flux_jobid_t remote_id,
                 int skip_events,
                 int skip_output);

int link_drop (struct link *l, flux_jobid_t srcid, const char *cancel_reason);

/* Send 'signum' to the remote job of 'srcid' (if known; while up).
 */
int link_kill (struct link *l, flux_jobid_t srcid, int signum);

#endif /* !DELEGATE_LINK_H */

// vi:ts=4 sw=4 expandtab
