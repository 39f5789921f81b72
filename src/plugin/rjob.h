/* SPDX-License-Identifier: LGPL-3.0 */

/* rjob.h - a job as the link thread handles it on the target
 *
 * Internal to the link (link_impl.h): every function here runs on the
 * link thread.  An rjob goes:
 *
 *   SUBMIT:  copy kept ──start──> submit RPC, urgency 0 ──id──> FOLLOW
 *                 │                     └──error──> SUBMIT_FAILED, freed
 *                 └─ the target accepts (accept.h): in the next accept
 *                    request, with the urgency ──id──> ack batched, FOLLOW
 *   FOLLOW:  urgency set to the job's (the release); its events from
 *            the target's journal or its eventlog (rjob_follow.c);
 *            "alloc" ──> R; "start" ──> output eventlog watch;
 *            the watches end when the job is inactive.
 *   DROPPED: no more reports; with a reason, the remote job is cancelled
 *            as soon as its id is known and the link is up, then freed.
 *
 * On disconnect all RPCs are dropped; an accept request not answered is
 * sent again on reconnect (its key makes it the same copy), also across
 * failed connect attempts; another
 * submission that was sent but not answered is reported failed and
 * handed to the orphan hunt (orphan.h);
 * followed jobs are watched again (and released, if that was not
 * confirmed) on reconnect, skipping the events already reported.
 */

#ifndef DELEGATE_RJOB_H
#define DELEGATE_RJOB_H

#include <jansson.h>
#include <flux/core.h>

#include "idmap.h"
#include "journal.h"
#include "link.h"

struct rjob;
struct tlink;

/* What a submission sends: a copy of the struct link_job given. */
struct rjob_copy {
    char *jobspec;  // or
    char *J;
    uint32_t userid;
    char *key;
    int hops;
    json_t *origin;
    double lease;  // > 0: held on the target until granted
};

struct rjob_copy *rjob_copy_create (const struct link_job *job);
void rjob_copy_destroy (struct rjob_copy *copy);

struct rjob_list {
    struct rjob *head;
    struct idmap *by_src;     // source id -> rjob
    struct idmap *by_remote;  // remote id (once known) -> rjob
    struct tlink *l;
    struct journal *journal;       // NULL: not read (rjob_follow.c)
    json_t *stash;                 // its entries for jobs not known yet
    json_t *to_accept;             // source ids of the copies to ask for
    struct accept_batch *batches;  // accept requests not answered yet
    json_t *acks;                  // ids of copies acknowledged, not sent yet
    json_t *grants;                // ids of held copies granted, not sent yet
};

/* With 'journal', the jobs are followed by the target's journal where it
 * is granted (rjob_follow.c).
 */
int rjob_list_init (struct rjob_list *list, struct tlink *l, bool journal);
void rjob_list_fini (struct rjob_list *list);
bool rjob_list_empty (struct rjob_list *list);
/* Free the jobs (the link thread is over).
 */
void rjob_list_clear (struct rjob_list *list);
/* Connected on 'h': ask for the journal (before the jobs are started).
 */
void rjob_list_up (struct rjob_list *list, flux_t *h);
void rjob_list_connected (struct rjob_list *list, struct tlink *l);
/* Send what this pass of the link's reactor batched for an accepting
 * target (rjob_accept.c): the copies to make, in accept requests of
 * several, and the acks, in one message.
 */
void rjob_list_flush (struct rjob_list *list, struct tlink *l);
void rjob_list_disconnected (struct rjob_list *list, struct tlink *l);
void rjob_list_connect_failed (struct rjob_list *list,
                               struct tlink *l,
                               const char *why);

struct rjob *rjob_create (struct rjob_list *list,
                          flux_jobid_t srcid,
                          flux_jobid_t remote_id);
struct rjob *rjob_lookup (struct rjob_list *list, flux_jobid_t srcid);

/* Take ownership of 'copy'.
 */
void rjob_set_submit (struct rjob *job, struct rjob_copy *copy, int urgency, bool hold);
void rjob_set_skip (struct rjob *job, int events, int output);
/* The remote job is to get 'urgency' (sent by rjob_start()).
 */
void rjob_set_urgency (struct rjob *job, int urgency);

/* The held copy may start (sent by rjob_start()).
 */
void rjob_set_grant (struct rjob *job);

/* Send what the job needs next (link must be connected).
 */
void rjob_start (struct rjob *job, struct tlink *l);

void rjob_drop (struct rjob *job, struct tlink *l, const char *cancel_reason);

/* Send a signal to the remote job, if its id is known (link connected).
 */
void rjob_kill (struct rjob *job, struct tlink *l, int signum);

#endif /* !DELEGATE_RJOB_H */

// vi:ts=4 sw=4 expandtab
