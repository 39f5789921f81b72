/* SPDX-License-Identifier: LGPL-3.0 */

/* rjob_accept.c - copies to a target that accepts them (rjob.h, accept.h)
 *
 * What one pass of the link's reactor has for an accepting target goes
 * in as few messages as it can, sent before the reactor waits again
 * (rjob_list_flush):
 *
 *   copies  the jobs to submit, queued by rjob_accept_queue(): one accept
 *           request of up to RJOB_ACCEPT_BATCH copies, {copies: [...]};
 *           its answer, once the target made (or refused) every copy,
 *           {results: [...]}, hands each job its id or its refusal
 *           (rjob_submitted, rjob_submit_failed);
 *   acks    the copies whose ids the source has: one one-way message,
 *           {ids: [...]} (rjob_acknowledge).
 *
 * A batch names its jobs by their source ids, looked up when the answer
 * comes: a job dropped, or replaced by a newer request, meanwhile is not
 * there (or is not in this batch) and its answer is ignored.  On
 * disconnect the batches and what was queued are forgotten; the jobs are
 * sent again on reconnect, with their keys (rjob.h).
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rjob_impl.h"

#define RJOB_ACCEPT_BATCH 64

struct accept_batch {
    struct accept_batch *next;
    struct accept_batch **pprev;
    struct rjob_list *list;
    flux_future_t *f;
    json_t *srcids;  // of the jobs whose copies it asked for, in order
};

static void batch_destroy (struct accept_batch *b)
{
    if (b) {
        if ((*b->pprev = b->next))
            b->next->pprev = b->pprev;
        flux_future_destroy (b->f);
        json_decref (b->srcids);
        free (b);
    }
}

/* The answer for the copy at 'index': its id, or why not. */
static void batch_answer (struct rjob *job,
                          struct tlink *l,
                          json_t *results,
                          size_t index,
                          const char *failure)
{
    json_t *result = json_array_get (results, index);
    json_int_t id;
    const char *error = "the target's answer is malformed";

    if (failure)
        rjob_submit_failed (job, l, failure);
    else if (json_unpack (result, "{s:I}", "id", &id) == 0 && id > 0)
        rjob_submitted (job, l, (flux_jobid_t)id);
    else {
        (void)json_unpack (result, "{s:s}", "error", &error);
        rjob_submit_failed (job, l, error);
    }
}

static void batch_cb (flux_future_t *f, void *arg)
{
    struct accept_batch *b = arg;
    struct tlink *l = b->list->l;
    json_t *results = NULL;
    const char *failure = NULL;
    json_t *value;
    size_t index;

    if (flux_rpc_get_unpack (f, "{s:o}", "results", &results) < 0)
        failure = future_strerror (f, errno);
    else if (!json_is_array (results))
        failure = "the target's answer is malformed";
    json_array_foreach (b->srcids, index, value)
    {
        struct rjob *job = rjob_lookup (b->list, json_integer_value (value));
        if (job && job->batch == b) {
            job->batch = NULL;
            batch_answer (job, l, results, index, failure);
        }
    }
    batch_destroy (b);
}

static json_t *copy_pack (struct rjob *job)
{
    struct rjob_copy *c = job->copy;
    json_t *o;

    o = json_pack ("{s:s s:O s:i s:i s:I s:s}",
                   "key",
                   c->key ? c->key : "",
                   "origin",
                   c->origin,
                   "hops",
                   c->hops,
                   "urgency",
                   job->urgency,
                   "userid",
                   (json_int_t)c->userid,
                   c->jobspec ? "jobspec" : "J",
                   c->jobspec ? c->jobspec : c->J);
    if (o && c->lease > 0.
        && json_object_set_new (o, "lease", json_real (c->lease)) < 0) {
        json_decref (o);
        return NULL;
    }
    return o;
}

/* Ask for the copies of the jobs in 'srcids' (the batch takes it).
 */
static void batch_send (struct rjob_list *list,
                        struct tlink *l,
                        json_t *copies,
                        json_t *srcids)
{
    struct accept_batch *b = calloc (1, sizeof (*b));
    json_t *value;
    size_t index;

    if (!b
        || !(b->f = flux_rpc_pack (link_handle (l),
                                   "job-manager.delegate.accept",
                                   FLUX_NODEID_ANY,
                                   0,
                                   "{s:O}",
                                   "copies",
                                   copies))
        || flux_future_then (b->f, -1., batch_cb, b) < 0) {
        if (b)
            flux_future_destroy (b->f);
        free (b);
        json_decref (srcids);
        link_connection_error (l);  // the jobs are sent again on reconnect
        return;
    }
    b->list = list;
    b->srcids = srcids;
    if ((b->next = list->batches))
        b->next->pprev = &b->next;
    b->pprev = &list->batches;
    list->batches = b;
    json_array_foreach (srcids, index, value)
    {
        rjob_lookup (list, json_integer_value (value))->batch = b;
    }
}

/* Add the job's copy to the batch being built: -1 if out of memory. */
static int batch_add (json_t *copies, json_t *srcids, struct rjob *job, json_t *srcid)
{
    json_t *copy = copy_pack (job);

    if (!copy || json_array_append (srcids, srcid) < 0) {
        json_decref (copy);
        return -1;
    }
    if (json_array_append_new (copies, copy) < 0) {
        (void)json_array_remove (srcids, json_array_size (srcids) - 1);
        return -1;
    }
    return 0;
}

static void send_copies (struct rjob_list *list, struct tlink *l)
{
    json_t *copies = json_array ();
    json_t *srcids = json_array ();
    json_t *value;
    size_t index;

    json_array_foreach (list->to_accept, index, value)
    {
        struct rjob *job = rjob_lookup (list, json_integer_value (value));

        if (!job || !job->accept_queued)  // dropped, or replaced
            continue;
        job->accept_queued = false;
        if (!copies || !srcids || batch_add (copies, srcids, job, value) < 0) {
            rjob_submit_failed (job, l, "out of memory");
            continue;
        }
        if (json_array_size (copies) == RJOB_ACCEPT_BATCH) {
            batch_send (list, l, copies, srcids);
            json_decref (copies);
            copies = json_array ();
            srcids = json_array ();
        }
    }
    if (json_array_size (copies) > 0)
        batch_send (list, l, copies, srcids);
    else
        json_decref (srcids);
    json_decref (copies);
    json_array_clear (list->to_accept);
}

void rjob_accept_queue (struct rjob *job, struct tlink *l)
{
    json_t *srcid = json_integer (job->srcid);

    if (!srcid || json_array_append_new (job->list->to_accept, srcid) < 0) {
        rjob_submit_failed (job, l, "out of memory");
        return;
    }
    job->accept_queued = true;
}

/* Queue the remote id of 'job' in 'ids', for a one-way message: false
 * if out of memory (tried again on the job's next start).
 */
static bool id_queue (struct rjob *job, json_t *ids)
{
    json_t *id = json_integer (job->remote_id);

    return id && json_array_append_new (ids, id) == 0;
}

/* The accepting side holds a copy until it knows the source has its id
 * (accept.h): the link acknowledges it once the job is released.  An ack
 * is idempotent: after a reconnect, or for a job followed after a plugin
 * reload, a copy not allocated yet is acknowledged again, in case the
 * first was lost on the way.
 */
void rjob_acknowledge (struct rjob *job, struct tlink *l)
{
    if (job->acked || job->hold || !job->remote_id || job->want_R || job->inactive
        || !link_accepts (l))
        return;
    job->acked = id_queue (job, job->list->acks);
}

/* A grant, like an ack, is idempotent: sent again after a reconnect
 * until the job is seen to start or end (the target ignores the grant
 * of a copy it does not hold).
 */
void rjob_grant (struct rjob *job, struct tlink *l)
{
    if (!job->grant || job->grant_sent || !job->remote_id || job->inactive)
        return;
    job->grant_sent = id_queue (job, job->list->grants);
}

/* One one-way message of the ids in 'ids' to 'topic', then 'ids' empty.
 */
static void send_ids (struct tlink *l, const char *topic, json_t *ids)
{
    flux_future_t *f;

    if (json_array_size (ids) == 0)
        return;
    if (!(f = flux_rpc_pack (link_handle (l),
                             topic,
                             FLUX_NODEID_ANY,
                             FLUX_RPC_NORESPONSE,
                             "{s:O}",
                             "ids",
                             ids)))
        link_connection_error (l);
    flux_future_destroy (f);
    json_array_clear (ids);
}

void rjob_list_flush (struct rjob_list *list, struct tlink *l)
{
    if (!link_handle (l))
        return;
    send_copies (list, l);
    send_ids (l, "job-manager.delegate.ack", list->acks);
    send_ids (l, "job-manager.delegate.grant", list->grants);
}

void rjob_accept_forget (struct rjob_list *list)
{
    while (list->batches)
        batch_destroy (list->batches);
    json_array_clear (list->to_accept);
    json_array_clear (list->acks);
    json_array_clear (list->grants);
}

int rjob_accept_init (struct rjob_list *list)
{
    list->batches = NULL;
    if (!(list->to_accept = json_array ()) || !(list->acks = json_array ())
        || !(list->grants = json_array ()))
        return -1;
    return 0;
}

void rjob_accept_fini (struct rjob_list *list)
{
    rjob_accept_forget (list);
    json_decref (list->to_accept);
    json_decref (list->acks);
    json_decref (list->grants);
    list->to_accept = list->acks = list->grants = NULL;
}

// vi:ts=4 sw=4 expandtab
