/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_recover.c - take over a job delegated before this plugin
 * was loaded (flux jobtap remove, then load; or an instance restart)
 *
 * Part of the state machine drawn at the top of delegation.c.  The job
 * manager gives a newly loaded plugin, and after a restart the plugins
 * loaded from its configuration, job.create for each active job, but not
 * the job's past, and the data an unloaded plugin left is not ours.
 * So, asynchronously:
 *
 *   RECOVER ── eventlog read (history.h) ──┬─ never sent ──────────> HOLD
 *      │                                   │  (other dependencies taken
 *      │                                   │   from the eventlog)
 *      │                                   ├─ sent, no R yet ──────> PENDING
 *      │                                   │  (released once the job may
 *      │                                   │   run, as in HOLD)
 *      │                                   ├─ R, not started ──────> RUN
 *      │                                   └─ started: output copied
 *      │                                      so far counted ──────> RUNNING
 *      │                                      (output copy and finish wait
 *      │                                       for job-exec to have the job)
 *      └─ the source job ended meanwhile (fatal exception, finish):
 *         its remote job, if any, is cancelled ─────────────────> CANCELED
 *
 * From PENDING, RUN and RUNNING the link follows the remote job again
 * from its first event: what the source job already did is not done
 * twice (R is taken once, start and finish only in their state), and the
 * output entries already copied are skipped.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delegation_impl.h"
#include "history.h"

/* Follow the remote job again, skipping 'output_copied' output entries.
 */
static void follow (struct delegation *d, const struct history *h, int output_copied)
{
    free (d->label);
    d->label = h->label[0] ? strdup (h->label) : NULL;
    d->remote_id = h->remote_id;
    if (!(d->link = targets_link (d->env->targets, h->uri))
        || link_follow (d->link, d->id, h->remote_id, 0, output_copied) < 0) {
        d->link = NULL;
        fail (d,
              "DelegationFailure",
              false,
              "%s: cannot follow the remote job after a plugin reload: %s",
              h->uri,
              strerror (errno));
        return;
    }
    if (h->start) {
        set_state (d, D_RUNNING);
        d->remote_started = true;
        if ((d->out = output_create (d->env->h,
                                     d->id,
                                     d->env->service,
                                     output_complete_cb,
                                     d)))
            output_resume (d->out, output_copied);  // started by advance()
        advance (d);
    } else if (h->alloc)
        set_state (d, D_RUN);
    else
        set_state (d, D_PENDING);
    if (h->alloc && !(d->R = json_object ()))  // the source job has its R
        fail (d, "DelegationFailure", true, "out of memory");
}

static void output_count_cb (flux_future_t *f, void *arg)
{
    struct delegation *d = arg;
    const char *s = NULL;
    int lines = 0;

    /* ENOENT: nothing copied yet */
    if (flux_kvs_lookup_get (f, &s) == 0 && s) {
        for (; *s; s++)
            if (*s == '\n')
                lines++;
    }
    follow (d, d->recovered, lines);
    free (d->recovered);
    d->recovered = NULL;
    flux_future_destroy (f);
    d->f_recover = NULL;
}

/* Look up 'key' (in namespace 'ns'; NULL: the primary one), then 'cb'.
 */
static void recover_lookup (struct delegation *d,
                            const char *ns,
                            const char *key,
                            flux_continuation_f cb,
                            const char *what)
{
    if (lookup_then (d, &d->f_recover, ns, key, cb) < 0)
        fail (d,
              "DelegationFailure",
              true,
              "cannot read the job's %s: %s",
              what,
              strerror (errno));
}

/* Read the output copied so far through job.<id>.guest in the primary
 * namespace: a link to the live guest namespace, or after an instance
 * restart, until job-exec reattaches the job, the copy saved at shutdown.
 */
static void count_output (struct delegation *d)
{
    char key[64];

    if (flux_job_kvs_key (key, sizeof (key), d->id, "guest.output") < 0)
        fail (d, "DelegationFailure", true, "cannot name the job's output");
    else
        recover_lookup (d, NULL, key, output_count_cb, "output");
}

/* The source job ended while the plugin was away: its remote job must go.
 */
static void abandon (struct delegation *d, const struct history *h)
{
    set_state (d, D_CANCELED);
    if (h->remote_id && !h->finish && (d->link = targets_link (d->env->targets, h->uri))
        && link_follow (d->link, d->id, h->remote_id, 0, 0) == 0)
        (void)link_drop (d->link,
                         d->id,
                         "the source job ended while delegate.so was unloaded");
    d->dropped = true;
}

static void eventlog_cb (flux_future_t *f, void *arg)
{
    struct delegation *d = arg;
    const char *eventlog;
    struct history *h;
    flux_error_t error;

    if (!(h = calloc (1, sizeof (*h))) || flux_kvs_lookup_get (f, &eventlog) < 0
        || history_parse (eventlog, h, &error) < 0) {
        fail (d,
              "DelegationFailure",
              true,
              "cannot read the job's eventlog after a plugin reload");
        free (h);
    } else if (h->fatal || h->finish)
        abandon (d, h);
    else if (h->start) {
        d->recovered = h;  // until the output count is known
        h = NULL;
        count_output (d);
    } else if (h->alloc)
        follow (d, h, 0);
    else {
        /* still in DEPEND: not sent yet, or sent (the copy may be held) */
        for (int i = 0; i < h->ndeps; i++)
            delegation_dependency_add (d, h->deps[i]);
        if (h->remote_id == 0)
            set_state (d, D_HOLD);
        else
            follow (d, h, 0);
        if (!ended (d))
            delegation_depend (d);
    }
    free (h);
    flux_future_destroy (f);
    if (d->f_recover == f)
        d->f_recover = NULL;
}

void delegation_recover (struct delegation *d)
{
    char key[64];

    set_state (d, D_RECOVER);
    if (flux_job_kvs_key (key, sizeof (key), d->id, "eventlog") < 0)
        fail (d, "DelegationFailure", true, "cannot name the job's eventlog");
    else
        recover_lookup (d, NULL, key, eventlog_cb, "eventlog");
}

// vi:ts=4 sw=4 expandtab
