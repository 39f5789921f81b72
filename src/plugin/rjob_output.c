/* SPDX-License-Identifier: LGPL-3.0 */

/* rjob_output.c - follow the output eventlog of a remote job (rjob.h)
 *
 * On the target, a running job's output eventlog is the key "output" of
 * its guest KVS namespace, job-<id>.  When the job ends, job-exec copies
 * the namespace into the primary one (job.<id>.guest), then removes it.
 * From the remote "start":
 *
 *   running   a kvs-watch of "output" in the guest namespace, each
 *             answer the entries appended since the last one
 *             (FLUX_KVS_WATCH_APPEND), waiting for the shell to create
 *             the key (FLUX_KVS_WAITCREATE);
 *   ended     when the namespace is removed (the watch fails with
 *             ENOTSUP), or the job's "clean" came first, or the job had
 *             ended when following began: one lookup of
 *             job.<id>.guest.output, whose entries past those reported
 *             are taken; none if the watch had already brought the
 *             end of every stream (outcount.h), as it does for a job
 *             whose shell ended normally: the copy stops there anyway.
 *
 * That is what job-info's eventlog watch does for a guest path, less its
 * reads of the main eventlog and its watch of the primary copy, which
 * cost the target CPU on every job.  The primary copy exists before the
 * namespace goes, so nothing appended at the end is missed.  Entries
 * already reported (after a reconnect or a plugin reload) are skipped.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rjob_impl.h"

static void output_lookup (struct rjob *job, struct tlink *l);

/* Report the entries (lines) of 's' past those reported already.
 */
static int take_lines (struct rjob *job, struct tlink *l, const char *s)
{
    struct rwatch *w = &job->output;
    char *copy, *line, *saveptr = NULL;

    if (!(copy = strdup (s)))
        return -1;
    for (line = strtok_r (copy, "\n", &saveptr); line;
         line = strtok_r (NULL, "\n", &saveptr)) {
        outcount_entry (&job->outcount, line);
        if (w->consumed++ >= w->skip) {
            w->skip++;
            link_report (l, LINK_OUTPUT, job->srcid, job->remote_id, NULL, line);
        }
    }
    free (copy);
    return 0;
}

/* Stop the watch or lookup under way, if any.
 */
static void output_stop (struct rjob *job)
{
    if (job->output.f) {
        (void)flux_kvs_lookup_cancel (job->output.f);
        flux_future_destroy (job->output.f);
        job->output.f = NULL;
    }
}

static void output_ended (struct rjob *job, struct tlink *l, const char *why)
{
    job->output.done = true;
    job->end_deferred = true;
    free (job->end_why);
    job->end_why = strdup (why);
    rjob_output_end_report (job, l);
}

void rjob_output_end_report (struct rjob *job, struct tlink *l)
{
    if (!job->end_deferred || job->f_exec)
        return;
    job->end_deferred = false;
    report_failure (job, l, LINK_OUTPUT_END, "", job->end_why ? job->end_why : "");
}

static void lookup_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;
    struct tlink *l = flux_future_aux_get (f, "link");
    const char *s;

    job->output.f = NULL;
    job->output.consumed = 0;
    if (flux_kvs_lookup_get (f, &s) < 0)
        output_ended (job, l, errno == ENOENT ? "" : future_strerror (f, errno));
    else if (take_lines (job, l, s) < 0)
        output_ended (job, l, "out of memory");
    else
        output_ended (job, l, "");
    flux_future_destroy (f);
}

/* The job ended: its output is whole if the watch brought the end of
 * every stream, else read its copy in the primary namespace.
 */
static void output_after_end (struct rjob *job, struct tlink *l)
{
    if (outcount_ended (&job->outcount))
        output_ended (job, l, "");
    else
        output_lookup (job, l);
}

static void watch_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;
    struct tlink *l = flux_future_aux_get (f, "link");
    const char *s;

    if (flux_kvs_lookup_get (f, &s) < 0) {
        job->output.f = NULL;
        if (errno == ENOTSUP)  // the namespace is gone
            output_after_end (job, l);
        else
            output_ended (job, l, future_strerror (f, errno));
        flux_future_destroy (f);
        return;
    }
    if (take_lines (job, l, s) < 0) {
        output_stop (job);
        output_ended (job, l, "out of memory");
        return;
    }
    flux_future_reset (f);
}

static void output_start (struct rjob *job,
                          struct tlink *l,
                          const char *ns,
                          int flags,
                          const char *key,
                          flux_continuation_f cb)
{
    struct rwatch *w = &job->output;

    w->consumed = 0;
    outcount_clear (&job->outcount);
    w->final = !(flags & FLUX_KVS_WATCH);
    if (!(w->f = flux_kvs_lookup (link_handle (l), ns, flags, key))
        || flux_future_aux_set (w->f, "link", l, NULL) < 0
        || flux_future_then (w->f, -1., cb, job) < 0)
        link_connection_error (l);
}

static void output_lookup (struct rjob *job, struct tlink *l)
{
    char key[128];

    if (flux_job_kvs_key (key, sizeof (key), job->remote_id, "guest.output") < 0)
        output_ended (job, l, "cannot name the output key");
    else
        output_start (job, l, NULL, 0, key, lookup_cb);
}

void rjob_output_start (struct rjob *job, struct tlink *l)
{
    char ns[64];

    job->output.started = true;
    if (job->inactive)
        output_lookup (job, l);
    else if (flux_job_kvs_namespace (ns, sizeof (ns), job->remote_id) < 0)
        output_ended (job, l, "cannot name the guest namespace");
    else
        output_start (job,
                      l,
                      ns,
                      FLUX_KVS_WATCH | FLUX_KVS_WATCH_APPEND | FLUX_KVS_WAITCREATE,
                      "output",
                      watch_cb);
}

void rjob_output_ended (struct rjob *job, struct tlink *l)
{
    struct rwatch *w = &job->output;

    if (!w->started || w->done || (w->f && w->final))
        return;
    output_stop (job);
    output_after_end (job, l);
}

// vi:ts=4 sw=4 expandtab
