/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_recover.c - take over a job delegated before this plugin
 * was loaded (flux jobtap remove, then load; or an instance restart)
 *
 * Part of the state machine drawn at the top of delegation.c.  The job
 * manager gives a newly loaded plugin, and after a restart the plugins
 * loaded from its configuration, job.create for each active job, but not
 * the job's past, and the data an unloaded plugin left is not ours.
 * So its delegation, created in HOLD, moves to RECOVER at once, and then,
 * asynchronously:
 *
 *   RECOVER ── eventlog read (history.h) ──┬─ never sent ──────────> HOLD
 *      │                                   │  (other dependencies taken
 *      │                                   │   from the eventlog)
 *      │                                   ├─ offered as siblings,
 *      │                                   │  none started ────────> OFFERED
 *      │                                   │  (delegation_siblings.c)
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

/* A copy of the job on the target of its last submission, followed by
 * the link from the remote job's first event, skipping 'output_copied'
 * output entries.  NULL with errno.
 */
static struct rcopy *follow_copy (struct delegation *d,
                                  const struct history *h,
                                  int output_copied)
{
    struct target *tg;
    struct rcopy *c;

    if (!(tg = targets_get (d->env->targets, h->uri))
        || !(c = copy_add (d, tg, h->label[0] ? h->label : NULL)))
        return NULL;
    c->remote_id = h->remote_id;
    if (link_follow (copy_link (c), d->id, h->remote_id, 0, output_copied) < 0) {
        c->dropped = true;  // the link never had it
        return NULL;
    }
    return c;
}

/* Follow the remote job again, in the state its history says.  -1 if
 * it failed ('d' may be gone).
 */
static int follow (struct delegation *d, const struct history *h, int output_copied)
{
    const struct host *host = &d->env->host;
    struct rcopy *c;
    enum dstate to = h->start ? D_RUNNING : h->alloc ? D_RUN : D_PENDING;

    if (!(c = follow_copy (d, h, output_copied))) {
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_KEEP,
                         "%s: cannot follow the remote job after a plugin reload: %s",
                         h->uri,
                         strerror (errno));
        return -1;
    }
    if (delegation_transition (d, to) < 0)
        return -1;
    if (h->alloc && !(d->R = json_object ())) {  // the source job has its R
        delegation_fail (d, "DelegationFailure", REMOTE_CANCEL, "out of memory");
        return -1;
    }
    if (h->start) {
        c->started = true;
        if ((d->out =
                 host->ops->output_create (host->h, d->id, delegation_output_cb, d)))
            output_resume (d->out, output_copied);  // started by advance()
        delegation_advance (d);
    }
    return 0;
}

static void output_count_cb (void *arg, const char *s, int errnum)
{
    struct delegation *d = arg;
    struct history *h = d->recovered;
    int lines = 0;

    d->req_recover = NULL;
    d->recovered = NULL;
    /* ENOENT: nothing copied yet */
    for (; s && *s; s++)
        if (*s == '\n')
            lines++;
    (void)follow (d, h, lines);
    free (h);
}

/* Look up 'key' (in namespace 'ns'; NULL: the primary one), then 'cb'.
 */
static void recover_lookup (struct delegation *d,
                            const char *ns,
                            const char *key,
                            host_lookup_f cb,
                            const char *what)
{
    if (delegation_lookup_key (d, &d->req_recover, ns, key, cb) < 0)
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_CANCEL,
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
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_CANCEL,
                         "cannot name the job's output");
    else
        recover_lookup (d, NULL, key, output_count_cb, "output");
}

/* The source job ended while the plugin was away: its remote job must go.
 */
static void abandon (struct delegation *d, const struct history *h)
{
    struct rcopy *c;

    const char *why = "the source job ended while delegate.so was unloaded";

    if (delegation_transition (d, D_CANCELED) < 0)
        return;
    if (h->remote_id && !h->finish && (c = follow_copy (d, h, 0)))
        copy_drop (c, why);
    else if (!h->remote_id && history_live_siblings (h) > 0) {
        (void)siblings_recover (d, h);  // CANCELED: it cannot fail the job
        delegation_drop_copies (d, why);
    }
}

static void eventlog_cb (void *arg, const char *eventlog, int errnum)
{
    struct delegation *d = arg;
    struct history *h;
    flux_error_t error;

    d->req_recover = NULL;
    if (!(h = calloc (1, sizeof (*h))) || !eventlog
        || history_parse (eventlog, h, &error) < 0) {
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_CANCEL,
                         "cannot read the job's eventlog after a plugin reload");
    } else if (h->fatal || h->finish)
        abandon (d, h);
    else if (h->start) {
        d->recovered = h;  // until the output count is known
        h = NULL;
        count_output (d);
    } else if (h->alloc)
        (void)follow (d, h, 0);
    else {
        /* still in DEPEND: not sent yet, or sent (the copy may be held) */
        int rc;
        for (int i = 0; i < h->ndeps; i++)
            delegation_dependency_add (d, h->deps[i]);
        if (h->remote_id == 0 && history_live_siblings (h) > 0)
            rc = siblings_recover (d, h);
        else if (h->remote_id == 0)
            rc = delegation_transition (d, D_HOLD);
        else
            rc = follow (d, h, 0);
        if (rc == 0)  // else it failed, and 'd' may be gone
            delegation_depend (d);
    }
    free (h);
}

void delegation_recover (struct delegation *d)
{
    char key[64];

    if (delegation_transition (d, D_RECOVER) < 0)
        return;
    if (flux_job_kvs_key (key, sizeof (key), d->id, "eventlog") < 0)
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_CANCEL,
                         "cannot name the job's eventlog");
    else
        recover_lookup (d, NULL, key, eventlog_cb, "eventlog");
}

// vi:ts=4 sw=4 expandtab
