/* SPDX-License-Identifier: LGPL-3.0 */

/* accept_impl.h - inside the accepting side (accept.h)
 *
 *   accept.c          submissions in flight, the copies (arrivals), how
 *                     a copy is recognised at job.create
 *   accept_answer.c   who is answered about a copy: a request of one
 *                     copy, or a batch of several
 *   accept_reload.c   the copies found as the plugin loads
 *   accept_service.c  the hello, accept and ack services, the priority
 *                     hold, the settings
 */

#ifndef DELEGATE_ACCEPT_IMPL_H
#define DELEGATE_ACCEPT_IMPL_H

#include "accept.h"
#include "accept_conf.h"
#include "strmap.h"

#define ARRIVAL_AUX "delegate::arrival"

/* One copy asked for (accept.h: COPY), its strings and origin borrowed
 * from the request.
 */
struct copy_ask {
    const char *key;
    json_t *origin;
    int hops;
    int urgency;
    json_int_t userid;
    const char *J;  // or
    const char *jobspec;
    double lease;  // > 0: a sibling copy, held before it starts (accept_lease.c)
};

/* Whom the answer about one copy goes to (accept_answer.c): the request
 * of that copy, or its place in a batch; it holds a reference on either.
 */
struct batch;
struct waiter {
    const flux_msg_t *msg;
    struct batch *batch;
    int index;
};

struct submission {
    struct submission *next;
    struct submission **pprev;  // NULL: not linked
    struct accept *a;
    char *key;
    uint32_t userid;
    int hops;
    double lease;
    json_t *origin;
    json_t *shape;  // J copies: what recognises the copy; NULL: jobspec
    flux_future_t *f;
    struct waiter *waiters;  // whom to answer (resends included)
    int nwaiters;
    flux_jobid_t *cand;  // jobs recognised as the copy (usually one)
    int ncand;
};

struct arrival {
    struct accept *a;
    flux_jobid_t id;
    char *key;  // NULL until known (a copy found on reload)
    int hops;
    bool onward;
    bool acked;
    bool mapped;  // in a->by_key
    bool have_priority;
    int64_t priority;
    struct submission *sub;  // while its submission is in flight
    flux_watcher_t *ack_timer;
    double lease;  // > 0: held before it starts until granted
    bool held;     // its prolog-start posted, not finished
    flux_watcher_t *lease_timer;
};

struct accept {
    flux_plugin_t *p;
    flux_t *h;
    uint32_t owner;
    struct accept_conf conf;
    json_t *queues;  // names of the configured queues, or NULL
    struct submission *submitting;
    struct strmap *subs_by_key;  // key -> submission
    int nsubmitting;
    struct strmap *by_key;  // key -> arrival not acknowledged yet
    int unacked;
    int scans;                  // eventlogs of reloaded copies being read
    const flux_msg_t **queued;  // requests waiting for the scans
    int nqueued;
};

/* accept_answer.c */
/* A batch of 'ncopies' copies asked by 'msg', counted once while they
 * are handed out: batch_release() that count after.
 */
struct batch *batch_create (struct accept *a, const flux_msg_t *msg, size_t ncopies);
void batch_release (struct batch *b);
struct waiter waiter_of_batch (struct batch *b, int index);
struct waiter waiter_of_request (const flux_msg_t *msg);
/* Move 'w' (its reference) to the end of the array. */
int waiters_append (struct waiter **v, int *n, const struct waiter *w);
/* Answer the copy: its id, or (errnum != 0) the error; the reference
 * goes.
 */
void waiter_answer (struct accept *a,
                    const struct waiter *w,
                    flux_jobid_t id,
                    int errnum,
                    const char *text);

/* accept.c */
int msgs_append (const flux_msg_t ***v, int *n, const flux_msg_t *msg);
struct arrival *arrival_get (struct accept *a, flux_jobid_t id);
/* The copy needs no ack any more: acknowledged, or given up. */
void arrival_done (struct arrival *arr);
struct arrival *key_find (struct accept *a, const char *key);
struct submission *submission_find (struct accept *a, const char *key);
/* Forget 's', answering its waiters left with 'errnum' and 'text'.
 */
void submission_destroy (struct submission *s, int errnum, const char *text);
/* Submit the copy 'w' waits for (answered when ingest answers).
 * Return 0 ('w' taken), or -1 with 'errp' set ('w' not answered).
 */
int submission_start (struct accept *a,
                      const struct waiter *w,
                      const struct copy_ask *ask,
                      flux_error_t *errp);

void key_map (struct arrival *arr);
struct arrival *arrival_create (struct accept *a,
                                flux_jobid_t id,
                                const char *key,
                                int hops);
/* Arm its ack-timeout. */
void arrival_await_ack (struct arrival *arr);
/* The key and hops a jobspec copy carries, or NULL. */
const char *jobspec_key (json_t *jobspec, int *hopsp);

/* accept_lease.c */
/* The copy of a sibling job: held before it starts until its grant. */
void lease_take (struct arrival *arr, double lease);
void lease_clear (struct arrival *arr);
/* The copy 'id' may start, if it is held (else nothing). */
void lease_grant (struct accept *a, flux_jobid_t id);

/* accept_reload.c */
/* job.create of a job found active as the plugin loads: is it a copy? */
enum arrival_kind take_found (
    struct accept *a, flux_jobid_t id, uint32_t userid, json_t *jobspec, int state);

/* accept_service.c */
/* Handle an accept request (also one queued while copies found on
 * reload were read).
 */
void accept_request (struct accept *a, const flux_msg_t *msg);

#endif /* !DELEGATE_ACCEPT_IMPL_H */

// vi:ts=4 sw=4 expandtab
