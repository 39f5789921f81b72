/* SPDX-License-Identifier: LGPL-3.0 */

/* output.c - the remote job's output, copied to the source job's KVS
 * (the implementation of output.h the plugin uses; see output_kvs.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "output_kvs.h"
#include "outcount.h"

struct output_kvs {
    struct output base;
    flux_t *h;
    flux_jobid_t id;
    char *service;
    output_complete_f cb;
    void *cb_arg;

    json_t *pending;  // entries (strings) not yet committed
    flux_future_t *f_commit;
    bool started;           // the source guest namespace exists
    bool shell_init;        // posted (with the header)
    bool header_sent;       // in the commit in flight
    bool header_done;       // committed: flux job attach finds the output
    bool ended;             // no more entries will come
    struct outcount count;  // the streams, and those ended
    bool complete;          // reported
};

static bool kvs_complete (struct output *base)
{
    struct output_kvs *o = (struct output_kvs *)base;
    return (o->ended || outcount_ended (&o->count)) && json_array_size (o->pending) == 0
           && !o->f_commit;
}

static void check_complete (struct output_kvs *o)
{
    if (!o->complete && kvs_complete (&o->base)) {
        o->complete = true;
        if (o->cb)
            o->cb (o->cb_arg);
    }
}

/* Eventlog entries are lines: RFC 18. */
static int append_line (flux_kvs_txn_t *txn, const char *key, const char *line)
{
    size_t len = strlen (line);
    char *s;
    int rc;

    if (len > 0 && line[len - 1] == '\n')
        return flux_kvs_txn_put (txn, FLUX_KVS_APPEND, key, line);
    if (!(s = malloc (len + 2)))
        return -1;
    memcpy (s, line, len);
    s[len] = '\n';
    s[len + 1] = '\0';
    rc = flux_kvs_txn_put (txn, FLUX_KVS_APPEND, key, s);
    free (s);
    return rc;
}

static int append_shell_init (struct output_kvs *o, flux_kvs_txn_t *txn)
{
    json_t *entry = json_pack ("{s:f s:s s:{s:i s:i s:s}}",
                               "timestamp",
                               flux_reactor_now (flux_get_reactor (o->h)),
                               "name",
                               "shell.init",
                               "context",
                               "leader-rank",
                               0,
                               "size",
                               1,
                               "service",
                               o->service);
    char *s = entry ? json_dumps (entry, JSON_COMPACT) : NULL;
    int rc = s ? append_line (txn, "exec.eventlog", s) : -1;

    free (s);
    json_decref (entry);
    return rc;
}

static void flush (struct output_kvs *o);

static void commit_cb (flux_future_t *f, void *arg)
{
    struct output_kvs *o = arg;

    if (flux_future_get (f, NULL) < 0) {
        flux_log (o->h,
                  LOG_ERR,
                  "delegate: job %ju: cannot copy the remote output: %s",
                  (uintmax_t)o->id,
                  future_strerror (f, errno));
        o->ended = true;  // give up, but let the job finish
        json_array_clear (o->pending);
    }
    flux_future_destroy (f);
    o->f_commit = NULL;
    if (o->header_sent && !o->header_done) {
        o->header_done = true;
        if (o->cb && !o->complete)
            o->cb (o->cb_arg);
    }
    flush (o);
    check_complete (o);
}

static void flush (struct output_kvs *o)
{
    char ns[64];
    flux_kvs_txn_t *txn;
    size_t i;
    json_t *line;
    size_t n = json_array_size (o->pending);

    if (!o->started || o->f_commit || n == 0)
        return;
    if (flux_job_kvs_namespace (ns, sizeof (ns), o->id) < 0
        || !(txn = flux_kvs_txn_create ()))
        goto error;
    json_array_foreach (o->pending, i, line)
    {
        if (append_line (txn, "output", json_string_value (line)) < 0)
            goto error_txn;
    }
    if (!o->shell_init) {
        if (append_shell_init (o, txn) < 0)
            goto error_txn;
        o->header_sent = true;
    }
    if (!(o->f_commit = flux_kvs_commit (o->h, ns, 0, txn))
        || flux_future_then (o->f_commit, -1., commit_cb, o) < 0) {
        flux_future_destroy (o->f_commit);
        o->f_commit = NULL;
        goto error_txn;
    }
    flux_kvs_txn_destroy (txn);
    o->shell_init = true;
    json_array_clear (o->pending);
    return;
error_txn:
    flux_kvs_txn_destroy (txn);
error:
    flux_log_error (o->h,
                    "delegate: job %ju: cannot copy the remote output",
                    (uintmax_t)o->id);
    o->ended = true;
    json_array_clear (o->pending);
}

static int kvs_add (struct output *base, const char *entry)
{
    struct output_kvs *o = (struct output_kvs *)base;
    if (o->ended || o->complete)
        return 0;  // the source job may be finishing: its namespace goes
    outcount_entry (&o->count, entry);
    if (json_array_append_new (o->pending, json_string (entry)) < 0)
        return -1;
    flush (o);
    return 0;
}

static void kvs_end (struct output *base, const char *error)
{
    struct output_kvs *o = (struct output_kvs *)base;
    if (error)
        flux_log (o->h,
                  LOG_ERR,
                  "delegate: job %ju: remote output: %s",
                  (uintmax_t)o->id,
                  error);
    o->ended = true;
    check_complete (o);
}

static void kvs_resume (struct output *base, int count)
{
    struct output_kvs *o = (struct output_kvs *)base;
    o->shell_init = o->header_done = count > 0;
}

static bool kvs_shown (struct output *base)
{
    struct output_kvs *o = (struct output_kvs *)base;
    return o->header_done || o->ended;
}

static void kvs_start (struct output *base)
{
    struct output_kvs *o = (struct output_kvs *)base;
    o->started = true;
    flush (o);
    check_complete (o);
}

static void kvs_destroy (struct output *base)
{
    struct output_kvs *o = (struct output_kvs *)base;
    if (o) {
        int saved_errno = errno;
        flux_future_destroy (o->f_commit);
        json_decref (o->pending);
        outcount_clear (&o->count);
        free (o->service);
        free (o);
        errno = saved_errno;
    }
}

static const struct output_ops kvs_ops = {
    .add = kvs_add,
    .end = kvs_end,
    .start = kvs_start,
    .resume = kvs_resume,
    .complete = kvs_complete,
    .shown = kvs_shown,
    .destroy = kvs_destroy,
};

struct output *output_kvs_create (
    flux_t *h, flux_jobid_t id, const char *service, output_complete_f cb, void *arg)
{
    struct output_kvs *o = calloc (1, sizeof (*o));

    if (!o)
        return NULL;
    o->base.ops = &kvs_ops;
    o->h = h;
    o->id = id;
    o->cb = cb;
    o->cb_arg = arg;
    if (!(o->service = strdup (service)) || !(o->pending = json_array ())) {
        kvs_destroy (&o->base);
        return NULL;
    }
    return &o->base;
}

// vi:ts=4 sw=4 expandtab
