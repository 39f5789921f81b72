/* SPDX-License-Identifier: LGPL-3.0 */

/* rjob_follow.c - follow a remote job: its events and R (rjob.h)
 *
 * The events of a remote job come one of two ways:
 *
 *   journal   the target's job manager streams alloc (with R), start,
 *             exception, finish and clean of all its jobs as they are
 *             posted, to its instance owner (journal.h): one stream per
 *             link, read unless the plugin was loaded with journal=false;
 *   eventlog  a watch of the job's eventlog, whose entries show once
 *             committed, and R read from the KVS after "alloc": where
 *             the journal is not read, was refused or ended, and for a
 *             job it did not bring when it (re)started (a job followed
 *             after a plugin reload, or one that ended meanwhile).
 *
 * While the journal sends its backlog, no eventlog watch starts: once it
 * is over, each job it did not bring gets one.  An entry that matters
 * (alloc, a held copy's ask, start, exception, finish, clean) is
 * reported once, whichever
 * way it came first; others only come by the eventlog.  An entry for a
 * job whose id is not known yet (the submission answer still on its way)
 * is kept, if it is an exception or the clean, among the last few such,
 * until the answer comes.
 *
 * "start" starts following the output eventlog (rjob_output.c), "clean"
 * tells it the job ended.  A job that finished with a nonzero status may
 * owe it to a component that failed before its shell ran (the IMP that
 * refused its J, say), whose reason is only in its exec eventlog: a
 * "log" entry of component "flux-imp".  That eventlog is read after
 * "finish", and such an entry reported as an exception of type "exec"
 * (its note the IMP's message); the end of the output, after which the
 * source job finishes, is reported only after that (rjob_output.c).
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lease.h"
#include "rjob_impl.h"

#define STASH_MAX 32

/* ---- R, once the remote job has its resources ---- */

static void R_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;
    struct tlink *l = flux_future_aux_get (f, "link");
    json_t *R;

    if (flux_kvs_lookup_get_unpack (f, "o", &R) < 0)
        report_failure (job,
                        l,
                        LINK_LOST,
                        "cannot read R of the remote job: ",
                        future_strerror (f, errno));
    else if (!job->have_R) {
        job->have_R = true;
        link_report (l, LINK_R, job->srcid, job->remote_id, R, NULL);
    }
    flux_future_destroy (f);
    job->f_R = NULL;
}

static void lookup_R (struct rjob *job, struct tlink *l)
{
    char key[64];

    if (flux_job_kvs_key (key, sizeof (key), job->remote_id, "R") < 0
        || !(job->f_R = flux_kvs_lookup (link_handle (l), NULL, 0, key))
        || flux_future_aux_set (job->f_R, "link", l, NULL) < 0
        || flux_future_then (job->f_R, -1., R_cb, job) < 0)
        link_connection_error (l);
}

/* ---- entries, whichever way they come ---- */

/* Say whether an entry is new, and remember it.  The entries that
 * matter are those the journal brings too: the others only come once.
 */
static bool first_time (struct rjob *job, json_t *entry, const char *name)
{
    struct reported_entry seen = {.event = journal_event_index (name)};
    struct reported_entry *v;
    double t = 0.;

    if (seen.event < 0)
        return true;
    (void)json_unpack (entry, "{s:F}", "timestamp", &t);
    seen.usec = (int64_t)(t * 1e6 + 0.5);  // timestamps are positive
    for (int i = 0; i < job->nreported; i++)
        if (job->reported[i].event == seen.event && job->reported[i].usec == seen.usec)
            return false;
    if ((v = realloc (job->reported, (job->nreported + 1) * sizeof (*v)))) {
        job->reported = v;
        job->reported[job->nreported++] = seen;
    }
    return true;
}

/* An entry of the exec eventlog of a job that failed: the IMP's reason,
 * if that is what failed, as an exception of type "exec".  Return true
 * once there is nothing more to read.
 */
static bool take_exec_entry (struct rjob *job, struct tlink *l, const char *s)
{
    json_t *o = json_loads (s, 0, NULL);
    const char *name = "", *component = "", *data = NULL;
    double t = 0.;
    json_t *entry;
    bool over = false;

    (void)json_unpack (o,
                       "{s?F s?s s?{s?s s?s}}",
                       "timestamp",
                       &t,
                       "name",
                       &name,
                       "context",
                       "component",
                       &component,
                       "data",
                       &data);
    if (!strcmp (name, "log") && !strcmp (component, "flux-imp") && data) {
        if ((entry = json_pack ("{s:f s:s s:{s:s s:i s:s%}}",
                                "timestamp",
                                t,
                                "name",
                                "exception",
                                "context",
                                "type",
                                "exec",
                                "severity",
                                0,
                                "note",
                                data,
                                strcspn (data, "\n")))) {
            link_report (l, LINK_EVENT, job->srcid, job->remote_id, entry, NULL);
            json_decref (entry);
        }
        over = true;  // the first says why
    } else if (!strcmp (name, "done"))
        over = true;
    json_decref (o);
    return over;
}

static void exec_watch_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;
    struct tlink *l = flux_future_aux_get (f, "link");
    const char *s;

    if (flux_job_event_watch_get (f, &s) == 0 && !job->dropped
        && !take_exec_entry (job, l, s)) {
        flux_future_reset (f);
        return;
    }
    (void)flux_job_event_watch_cancel (f);
    flux_future_destroy (f);
    job->f_exec = NULL;
    rjob_output_end_report (job, l);
}

/* The job finished: if it failed, see why in its exec eventlog before
 * its output's end is reported.
 */
static void job_finished (struct rjob *job, struct tlink *l, json_t *entry)
{
    (void)json_unpack (entry, "{s:{s:i}}", "context", "status", &job->status);
    if (job->status != 0 && !job->f_exec
        && (job->f_exec = flux_job_event_watch (link_handle (l),
                                                job->remote_id,
                                                "guest.exec.eventlog",
                                                0))) {
        if (flux_future_aux_set (job->f_exec, "link", l, NULL) == 0
            && flux_future_then (job->f_exec, -1., exec_watch_cb, job) == 0)
            return;
        flux_future_destroy (job->f_exec);
        job->f_exec = NULL;
    }
    rjob_output_end_report (job, l);
}

/* A "prolog-start" is reported only if it is a held copy's ask: the
 * target's own prologs are none of the source's business.
 */
static bool is_other_prolog (json_t *entry, const char *name)
{
    const char *description = "";

    if (strcmp (name, "prolog-start") != 0)
        return false;
    (void)json_unpack (entry, "{s:{s?s}}", "context", "description", &description);
    return strcmp (description, LEASE_PROLOG) != 0;
}

/* Report a new entry ('live': from the journal, as posted); "alloc"
 * brings R (with it from the journal, else read), "start" starts
 * following the output, "clean" ends the job.
 */
static void take_entry (
    struct rjob *job, struct tlink *l, json_t *entry, json_t *R, bool live)
{
    const char *name;

    if (json_unpack (entry, "{s:s}", "name", &name) < 0 || is_other_prolog (entry, name)
        || !first_time (job, entry, name))
        return;
    link_report_event (l, job->srcid, job->remote_id, entry, live);
    if (!strcmp (name, "alloc")) {
        job->want_R = true;
        if (R && !job->have_R) {
            job->have_R = true;
            link_report (l, LINK_R, job->srcid, job->remote_id, R, NULL);
        } else if (!job->have_R && !job->f_R)
            lookup_R (job, l);
    } else if (!strcmp (name, "start") && !job->output.started)
        rjob_output_start (job, l);
    else if (!strcmp (name, "finish"))
        job_finished (job, l, entry);
    else if (!strcmp (name, "clean")) {
        job->inactive = true;
        rjob_output_ended (job, l);
    }
}

/* ---- the eventlog watches ---- */

static void watch_cb (flux_future_t *f, void *arg)
{
    struct rwatch *w = arg;
    struct rjob *job = w->job;
    struct tlink *l = flux_future_aux_get (f, "link");
    const char *s;
    json_t *entry;

    if (flux_job_event_watch_get (f, &s) < 0) {
        w->done = true;
        if (errno != ENODATA)
            report_failure (job,
                            l,
                            LINK_LOST,
                            "cannot follow the remote job: ",
                            future_strerror (f, errno));
        flux_future_destroy (f);
        w->f = NULL;
        return;
    }
    if (w->consumed++ >= w->skip) {
        w->skip++;
        if (!(entry = json_loads (s, 0, NULL)))
            report_failure (job, l, LINK_LOST, "bad remote event: ", s);
        else {
            take_entry (job, l, entry, NULL, false);
            json_decref (entry);
        }
    }
    flux_future_reset (f);
}

static void watch_start (struct rwatch *w, struct tlink *l)
{
    w->started = true;
    w->consumed = 0;
    if (!(w->f =
              flux_job_event_watch (link_handle (l), w->job->remote_id, "eventlog", 0))
        || flux_future_aux_set (w->f, "link", l, NULL) < 0
        || flux_future_then (w->f, -1., watch_cb, w) < 0)
        link_connection_error (l);
}

static enum journal_state journal_now (struct rjob_list *list)
{
    return list->journal ? journal_state (list->journal) : JOURNAL_OFF;
}

/* Does the job need its eventlog watched now?
 */
static bool by_eventlog (struct rjob *job, struct tlink *l)
{
    switch (journal_now (link_jobs (l))) {
        case JOURNAL_BACKLOG:
            return false;  // decided when the backlog is over
        case JOURNAL_LIVE:
            return !job->journaled;
        default:
            return true;
    }
}

void rjob_follow (struct rjob *job, struct tlink *l)
{
    rjob_output_end_report (job, l);  // if its exec watch was cut
    if (!job->events.f && !job->events.done && by_eventlog (job, l))
        watch_start (&job->events, l);
    if (job->output.started && !job->output.f && !job->output.done)
        rjob_output_start (job, l);
    if (job->want_R && !job->have_R && !job->f_R)
        lookup_R (job, l);
}

/* ---- the journal (journal.h) ---- */

static struct rjob *lookup_remote (struct rjob_list *list, flux_jobid_t id)
{
    return idmap_get (list->by_remote, id);
}

/* Keep an exception or clean of a job not known (yet), in a short list.
 */
static void stash (struct rjob_list *list, flux_jobid_t id, json_t *entry)
{
    const char *name = NULL;

    (void)json_unpack (entry, "{s:s}", "name", &name);
    if (!name || (strcmp (name, "exception") != 0 && strcmp (name, "clean") != 0))
        return;
    if (!list->stash && !(list->stash = json_array ()))
        return;
    if (json_array_size (list->stash) >= STASH_MAX)
        (void)json_array_remove (list->stash, 0);
    (void)json_array_append_new (list->stash,
                                 json_pack ("[I O]", (json_int_t)id, entry));
}

void rjob_claim (struct rjob_list *list, struct rjob *job, struct tlink *l)
{
    size_t i = 0;
    json_int_t id;
    json_t *entry;

    if (journal_now (list) == JOURNAL_LIVE)
        job->journaled = true;  // what comes next comes by the journal
    while (i < json_array_size (list->stash)) {
        if (json_unpack (json_array_get (list->stash, i), "[I o]", &id, &entry) == 0
            && (flux_jobid_t)id == job->remote_id) {
            take_entry (job, l, entry, NULL, false);
            (void)json_array_remove (list->stash, i);
        } else
            i++;
    }
}

static void journal_entry_cb (flux_jobid_t id, json_t *entry, json_t *R, void *arg)
{
    struct rjob_list *list = arg;
    struct rjob *job = lookup_remote (list, id);

    if (!job)
        stash (list, id, entry);
    else if (!job->dropped) {
        job->journaled = true;
        take_entry (job,
                    list->l,
                    entry,
                    R,
                    journal_state (list->journal) == JOURNAL_LIVE);
    }
}

/* The backlog is over, or the journal ended: each job that needs it gets
 * its eventlog watched.
 */
static void journal_turn_cb (void *arg)
{
    struct rjob_list *list = arg;

    for (struct rjob *job = list->head; job; job = job->next)
        if (job->remote_id && !job->dropped)
            rjob_follow (job, list->l);
}

static const struct journal_ops journal_ops = {
    .entry = journal_entry_cb,
    .live = journal_turn_cb,
    .ended = journal_turn_cb,
};

void rjob_list_up (struct rjob_list *list, flux_t *h)
{
    if (list->journal)
        journal_start (list->journal, h);
}

void follow_stop (struct rjob_list *list)
{
    if (list->journal)
        journal_stop (list->journal);
    json_decref (list->stash);
    list->stash = NULL;
}

int rjob_list_init (struct rjob_list *list, struct tlink *l, bool journal)
{
    list->head = NULL;
    list->l = l;
    list->stash = NULL;
    list->journal = NULL;
    if (rjob_accept_init (list) < 0 || !(list->by_src = idmap_create ())
        || !(list->by_remote = idmap_create ())
        || (journal && !(list->journal = journal_create (&journal_ops, list))))
        return -1;
    return 0;
}

void rjob_list_fini (struct rjob_list *list)
{
    follow_stop (list);
    journal_destroy (list->journal);
    list->journal = NULL;
    idmap_destroy (list->by_src);
    idmap_destroy (list->by_remote);
    list->by_src = list->by_remote = NULL;
    rjob_accept_fini (list);
}

// vi:ts=4 sw=4 expandtab
