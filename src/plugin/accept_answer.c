/* SPDX-License-Identifier: LGPL-3.0 */

/* accept_answer.c - who is answered about a copy (accept_impl.h)
 *
 * An accept request asks for one copy,
 *
 *   {key, origin, hops, urgency, userid, jobspec | J}
 *
 * answered {id} or with an error; or for several (a batch),
 *
 *   {copies: [COPY, ...]}
 *
 * answered once every copy is, in their order:
 *
 *   {results: [{id} | {errnum, error}, ...]}
 *
 * Each copy's answer goes to a waiter: the request of that one copy, or
 * the batch and the copy's place in it.  A waiter holds a reference (on
 * the message, or one count of the batch) that waiter_answer() gives up.
 * A batch counts one per waiter, plus one while its copies are handed
 * out (batch_create), so it cannot be answered before they all are.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accept_impl.h"

struct batch {
    struct accept *a;
    const flux_msg_t *msg;
    json_t *results;  // one slot per copy, null until answered
    int count;
};

struct batch *batch_create (struct accept *a, const flux_msg_t *msg, size_t ncopies)
{
    struct batch *b = calloc (1, sizeof (*b));

    if (!b || !(b->results = json_array ()))
        goto error;
    for (size_t i = 0; i < ncopies; i++)
        if (json_array_append_new (b->results, json_null ()) < 0)
            goto error;
    b->a = a;
    b->msg = flux_msg_incref (msg);
    b->count = 1;
    return b;
error:
    if (b)
        json_decref (b->results);
    free (b);
    return NULL;
}

void batch_release (struct batch *b)
{
    if (--b->count > 0)
        return;
    if (flux_respond_pack (b->a->h, b->msg, "{s:O}", "results", b->results) < 0)
        flux_log_error (b->a->h, "delegate: respond to accept");
    flux_msg_decref (b->msg);
    json_decref (b->results);
    free (b);
}

struct waiter waiter_of_batch (struct batch *b, int index)
{
    b->count++;
    return (struct waiter){.batch = b, .index = index};
}

struct waiter waiter_of_request (const flux_msg_t *msg)
{
    return (struct waiter){.msg = flux_msg_incref (msg)};
}

int waiters_append (struct waiter **v, int *n, const struct waiter *w)
{
    struct waiter *nv = realloc (*v, (*n + 1) * sizeof (*nv));

    if (!nv)
        return -1;
    nv[(*n)++] = *w;
    *v = nv;
    return 0;
}

void waiter_answer (struct accept *a,
                    const struct waiter *w,
                    flux_jobid_t id,
                    int errnum,
                    const char *text)
{
    if (errnum && !text)
        text = strerror (errnum);
    if (w->msg) {
        int rc = errnum
                     ? flux_respond_error (a->h, w->msg, errnum, text)
                     : flux_respond_pack (a->h, w->msg, "{s:I}", "id", (json_int_t)id);
        if (rc < 0)
            flux_log_error (a->h, "delegate: respond to accept");
        flux_msg_decref (w->msg);
        return;
    }
    json_t *result = errnum ? json_pack ("{s:i s:s}", "errnum", errnum, "error", text)
                            : json_pack ("{s:I}", "id", (json_int_t)id);
    if (!result || json_array_set_new (w->batch->results, w->index, result) < 0)
        flux_log (a->h, LOG_ERR, "delegate: accept: out of memory for an answer");
    batch_release (w->batch);
}

// vi:ts=4 sw=4 expandtab
