/* SPDX-License-Identifier: LGPL-3.0 */

/* rjob_impl.h - inside an rjob, shared by the files of the rjob module
 *
 *   rjob.c         the job's life: submit, release, kill, cancel, drop,
 *                  and the list on connection changes
 *   rjob_accept.c  copies to an accepting target: accept requests and
 *                  acks, batched
 *   rjob_follow.c  following it: its events (journal or eventlog), R
 *   rjob_output.c  its output eventlog
 */

#ifndef DELEGATE_RJOB_IMPL_H
#define DELEGATE_RJOB_IMPL_H

#include <stdint.h>

#include "link_impl.h"
#include "rjob.h"
#include "outcount.h"

/* A watch of one of the remote job's eventlogs: "eventlog" through
 * job-info (rjob_follow.c), the output through kvs-watch (rjob_output.c).
 * After a reconnect the watch starts over and the entries already
 * reported are skipped.
 */
struct rwatch {
    struct rjob *job;
    flux_future_t *f;
    int skip;      // entries already reported
    int consumed;  // entries received on the current watch
    bool started;
    bool done;   // the eventlog ended (job inactive)
    bool final;  // output: f reads the copy in the primary namespace
};

/* An entry that matters, reported: which event (journal_event_index)
 * and when (its timestamp in microseconds).
 */
struct reported_entry {
    int64_t usec;
    int event;
};

struct rjob {
    struct rjob *next;
    struct rjob **pprev;
    struct rjob_list *list;
    flux_jobid_t srcid;
    flux_jobid_t remote_id;

    struct rjob_copy *copy;      // to submit; NULL once answered
    int urgency;                 // the remote job's, once released
    int sent_urgency;            // what it has now: held (0), or the urgency
                                 //   an accept request gave it
    bool hold;                   // not released yet (link_release)
    bool via_accept;             // the copy was sent by an accept request
    bool accept_queued;          // for the next accept request (rjob_accept.c)
    struct accept_batch *batch;  // the accept request sent, not answered
    bool acked;                  // its ack was sent (since the last connect)
    bool grant;                  // held copy: link_grant was called
    bool grant_sent;             //   and sent (since the last connect)

    flux_future_t *f_submit;
    flux_future_t *f_release;
    flux_future_t *f_R;
    flux_future_t *f_cancel;
    flux_future_t *f_kill;
    flux_future_t *f_exec;     // watch of its exec eventlog after a failure
    int status;                // of its "finish"
    bool end_deferred;         // its output ended: reported once its exec
    char *end_why;             //   eventlog was read (f_exec), with this
    struct rwatch events;      // the job eventlog, where the journal is not read
    struct rwatch output;      // guest.output, from the remote "start"
    struct outcount outcount;  // of the output read by the current watch

    bool journaled;  // the journal, since it (re)started, brings its events
    bool inactive;   // "clean" seen
    bool want_R;     // "alloc" seen
    bool have_R;     // R reported
    bool released;   // urgency set
    bool dropped;
    char *cancel_reason;
    struct reported_entry *reported;  // entries that matter, reported
    int nreported;
};

/* rjob.c */
void report_failure (struct rjob *job,
                     struct tlink *l,
                     enum link_report_type type,
                     const char *prefix,
                     const char *why);

/* The target made the copy: its id. */
void rjob_submitted (struct rjob *job, struct tlink *l, flux_jobid_t id);
/* The target refused the copy, or it could not be sent: the job goes. */
void rjob_submit_failed (struct rjob *job, struct tlink *l, const char *why);

/* rjob_accept.c */
int rjob_accept_init (struct rjob_list *list);
void rjob_accept_fini (struct rjob_list *list);
/* Queue the job's copy for the next accept request (rjob_list_flush). */
void rjob_accept_queue (struct rjob *job, struct tlink *l);
/* Queue the ack of the job's copy, if it needs one now. */
void rjob_acknowledge (struct rjob *job, struct tlink *l);
/* Queue the grant of the job's held copy, if it has one to send now. */
void rjob_grant (struct rjob *job, struct tlink *l);
/* Disconnected: forget the requests in flight and what was queued. */
void rjob_accept_forget (struct rjob_list *list);

/* rjob_follow.c */
/* Start what following the job needs now (its id is known, link up).
 */
void rjob_follow (struct rjob *job, struct tlink *l);
/* The job got its id: take the journal entries kept for it meanwhile.
 */
void rjob_claim (struct rjob_list *list, struct rjob *job, struct tlink *l);
/* Disconnected: drop the journal stream and the entries kept.
 */
void follow_stop (struct rjob_list *list);

/* rjob_output.c */
/* Report the end of the output, if it ended, unless the exec eventlog
 * of the failed job is being read (the source ends right after).
 */
void rjob_output_end_report (struct rjob *job, struct tlink *l);
/* Follow the output eventlog, from the remote "start" or a reconnect.
 */
void rjob_output_start (struct rjob *job, struct tlink *l);
/* The job is inactive ("clean"): its output is complete in the primary
 * namespace; read it there unless that is under way or the watch
 * brought the end of every stream.
 */
void rjob_output_ended (struct rjob *job, struct tlink *l);

#endif /* !DELEGATE_RJOB_IMPL_H */

// vi:ts=4 sw=4 expandtab
