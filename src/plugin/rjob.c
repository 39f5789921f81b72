/* SPDX-License-Identifier: LGPL-3.0 */

/* rjob.c - a job as the link thread handles it on the target (rjob.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rjob.h"

/* A watch of one of the remote job's eventlogs.  After a reconnect the
 * watch starts over and the entries already reported are skipped.
 */
struct rwatch {
    struct rjob *job;
    const char *path;  // "eventlog" or "guest.output"
    flux_future_t *f;
    int skip;      // entries already reported
    int consumed;  // entries received on the current watch
    bool started;
    bool done;  // the eventlog ended (job inactive)
};

struct rjob {
    struct rjob *next;
    struct rjob **pprev;
    flux_jobid_t srcid;
    flux_jobid_t remote_id;

    char *jobspec;  // to submit; NULL once answered
    int urgency;    // the remote job is submitted held, then given this

    flux_future_t *f_submit;
    flux_future_t *f_release;
    flux_future_t *f_R;
    flux_future_t *f_cancel;
    flux_future_t *f_kill;
    struct rwatch events;  // the job eventlog, from the submit
    struct rwatch output;  // guest.output, from the remote "start"

    bool inactive;  // "clean" seen
    bool want_R;    // "alloc" seen
    bool have_R;    // R reported
    bool released;  // urgency set
    bool dropped;
    char *cancel_reason;
};

void rjob_list_init (struct rjob_list *list)
{
    list->head = NULL;
}

bool rjob_list_empty (struct rjob_list *list)
{
    return list->head == NULL;
}

static void rjob_futures_destroy (struct rjob *job)
{
    flux_future_destroy (job->f_submit);
    flux_future_destroy (job->events.f);
    flux_future_destroy (job->output.f);
    flux_future_destroy (job->f_R);
    flux_future_destroy (job->f_cancel);
    flux_future_destroy (job->f_release);
    flux_future_destroy (job->f_kill);
    job->f_submit = job->events.f = job->output.f = NULL;
    job->f_R = job->f_cancel = job->f_release = job->f_kill = NULL;
}

static void rjob_destroy (struct rjob *job)
{
    if (job) {
        if ((*job->pprev = job->next))
            job->next->pprev = job->pprev;
        rjob_futures_destroy (job);
        free (job->jobspec);
        free (job->cancel_reason);
        free (job);
    }
}

void rjob_list_clear (struct rjob_list *list)
{
    while (list->head)
        rjob_destroy (list->head);
}

struct rjob *rjob_create (struct rjob_list *list,
                          flux_jobid_t srcid,
                          flux_jobid_t remote_id)
{
    struct rjob *job;

    /* a job is delegated once at a time: a new request replaces an old */
    rjob_destroy (rjob_lookup (list, srcid));
    if (!(job = calloc (1, sizeof (*job))))
        return NULL;
    job->srcid = srcid;
    job->remote_id = remote_id;
    job->events = (struct rwatch){.job = job, .path = "eventlog"};
    job->output = (struct rwatch){.job = job, .path = "guest.output"};
    if ((job->next = list->head))
        job->next->pprev = &job->next;
    job->pprev = &list->head;
    list->head = job;
    return job;
}

struct rjob *rjob_lookup (struct rjob_list *list, flux_jobid_t srcid)
{
    for (struct rjob *job = list->head; job; job = job->next)
        if (job->srcid == srcid)
            return job;
    return NULL;
}

void rjob_set_submit (struct rjob *job, char *jobspec, int urgency)
{
    free (job->jobspec);
    job->jobspec = jobspec;
    job->urgency = urgency;
}

void rjob_set_skip (struct rjob *job, int events, int output)
{
    job->events.skip = events;
    job->output.skip = output;
    job->output.started = output > 0;
}

static void report_failure (struct rjob *job,
                            struct link *l,
                            enum link_report_type type,
                            const char *prefix,
                            const char *why)
{
    char text[256];
    snprintf (text, sizeof (text), "%s%s", prefix, why);
    link_report (l, type, job->srcid, job->remote_id, NULL, text);
}

/* ---- cancel a remote job that is no longer wanted ---- */

static void cancel_cb (flux_future_t *f, void *arg)
{
    /* ENOENT or EINVAL: the job is gone or already ending, as wanted */
    rjob_destroy (arg);
}

static void send_cancel (struct rjob *job, struct link *l)
{
    if (!(job->f_cancel =
              flux_job_cancel (link_handle (l), job->remote_id, job->cancel_reason))
        || flux_future_then (job->f_cancel, -1., cancel_cb, job) < 0)
        link_connection_error (l);
}

/* ---- signals (flux job kill on the source) ---- */

static void kill_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;

    /* the job may have ended meanwhile: nothing to report */
    flux_future_destroy (f);
    job->f_kill = NULL;
}

void rjob_kill (struct rjob *job, struct link *l, int signum)
{
    if (!job->remote_id || job->dropped)
        return;
    flux_future_destroy (job->f_kill);
    if (!(job->f_kill = flux_job_kill (link_handle (l), job->remote_id, signum))
        || flux_future_then (job->f_kill, -1., kill_cb, job) < 0)
        link_connection_error (l);
}

/* ---- R, once the remote job has its resources ---- */

static void R_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;
    struct link *l = flux_future_aux_get (f, "link");
    json_t *R;

    if (flux_kvs_lookup_get_unpack (f, "o", &R) < 0)
        report_failure (job,
                        l,
                        LINK_LOST,
                        "cannot read R of the remote job: ",
                        future_strerror (f, errno));
    else {
        job->have_R = true;
        link_report (l, LINK_R, job->srcid, job->remote_id, R, NULL);
    }
    flux_future_destroy (f);
    job->f_R = NULL;
}

static void lookup_R (struct rjob *job, struct link *l)
{
    char key[64];

    if (flux_job_kvs_key (key, sizeof (key), job->remote_id, "R") < 0
        || !(job->f_R = flux_kvs_lookup (link_handle (l), NULL, 0, key))
        || flux_future_aux_set (job->f_R, "link", l, NULL) < 0
        || flux_future_then (job->f_R, -1., R_cb, job) < 0)
        link_connection_error (l);
}

/* ---- follow the remote eventlogs ---- */

static void watch_start (struct rwatch *w, struct link *l);
static void watch_restart (struct rwatch *w, struct link *l);

/* An entry of the job eventlog: reported; "alloc" asks for R, "start"
 * starts the output watch.
 */
static void job_event (struct rjob *job, struct link *l, const char *s)
{
    json_t *entry;
    const char *name;

    if (!(entry = json_loads (s, 0, NULL))
        || json_unpack (entry, "{s:s}", "name", &name) < 0)
        report_failure (job, l, LINK_LOST, "bad remote event: ", s);
    else {
        link_report (l, LINK_EVENT, job->srcid, job->remote_id, entry, NULL);
        if (!strcmp (name, "alloc") && !job->want_R) {
            job->want_R = true;
            lookup_R (job, l);
        } else if (!strcmp (name, "start") && !job->output.started)
            watch_start (&job->output, l);
        else if (!strcmp (name, "clean")) {
            job->inactive = true;
            if (job->output.started && !job->output.done)
                watch_restart (&job->output, l);
        }
    }
    json_decref (entry);
}

static void watch_cb (flux_future_t *f, void *arg)
{
    struct rwatch *w = arg;
    struct rjob *job = w->job;
    struct link *l = flux_future_aux_get (f, "link");
    const char *s;

    if (flux_job_event_watch_get (f, &s) < 0) {
        int errnum = errno;
        w->done = true;
        if (w == &job->output)
            report_failure (job,
                            l,
                            LINK_OUTPUT_END,
                            "",
                            errnum == ENODATA ? "" : future_strerror (f, errnum));
        else if (errnum != ENODATA)
            report_failure (job,
                            l,
                            LINK_LOST,
                            "cannot follow the remote job: ",
                            future_strerror (f, errnum));
        flux_future_destroy (f);
        w->f = NULL;
        return;
    }
    if (w->consumed++ >= w->skip) {
        w->skip++;
        if (w == &job->output)
            link_report (l, LINK_OUTPUT, job->srcid, job->remote_id, NULL, s);
        else
            job_event (job, l, s);
    }
    flux_future_reset (f);
}

static void watch_start (struct rwatch *w, struct link *l)
{
    /* the shell creates guest.output after the job started */
    int flags = (w == &w->job->output && !w->job->inactive)
                    ? FLUX_JOB_EVENT_WATCH_WAITCREATE
                    : 0;

    w->started = true;
    w->consumed = 0;
    if (!(w->f =
              flux_job_event_watch (link_handle (l), w->job->remote_id, w->path, flags))
        || flux_future_aux_set (w->f, "link", l, NULL) < 0
        || flux_future_then (w->f, -1., watch_cb, w) < 0)
        link_connection_error (l);
}

/* The job went inactive: its output is complete where a new watch finds
 * it.  A watch started while the job was ending may wait, in the guest
 * namespace being removed, for a key that is created no more: start over,
 * skipping what was reported.
 */
static void watch_restart (struct rwatch *w, struct link *l)
{
    if (w->f) {
        (void)flux_job_event_watch_cancel (w->f);
        flux_future_destroy (w->f);
        w->f = NULL;
    }
    watch_start (w, l);
}

static void watch (struct rjob *job, struct link *l)
{
    if (!job->events.f && !job->events.done)
        watch_start (&job->events, l);
    if (job->output.started && !job->output.f && !job->output.done)
        watch_start (&job->output, l);
    if (job->want_R && !job->have_R && !job->f_R)
        lookup_R (job, l);
}

/* ---- release the held remote job ---- */

static void release_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;
    struct link *l = flux_future_aux_get (f, "link");

    if (flux_future_get (f, NULL) < 0 && errno != ENOENT && !job->dropped)
        report_failure (job,
                        l,
                        LINK_LOST,
                        "cannot release the remote job: ",
                        future_strerror (f, errno));
    else
        job->released = true;
    flux_future_destroy (f);
    job->f_release = NULL;
}

static void release (struct rjob *job, struct link *l)
{
    if (job->urgency == FLUX_JOB_URGENCY_HOLD) {
        job->released = true;
        return;
    }
    if (!(job->f_release =
              flux_job_set_urgency (link_handle (l), job->remote_id, job->urgency))
        || flux_future_aux_set (job->f_release, "link", l, NULL) < 0
        || flux_future_then (job->f_release, -1., release_cb, job) < 0)
        link_connection_error (l);
}

/* ---- submit ---- */

/* The connection dropped before the target answered: it may still
 * create the job, held.  Have it looked for (orphan.h).
 */
static void lost_submission (struct rjob *job, struct link *l)
{
    json_t *jobspec = json_loads (job->jobspec, 0, NULL);
    json_t *origin = NULL;

    (void)json_unpack (jobspec,
                       "{s:{s:{s:o}}}",
                       "attributes",
                       "system",
                       "delegate_origin",
                       &origin);
    link_add_orphan (l, job->srcid, origin);
    json_decref (jobspec);
}

static void submit_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;
    struct link *l = flux_future_aux_get (f, "link");
    flux_jobid_t id;

    link_submit_answered (l);
    if (flux_job_submit_get_id (f, &id) < 0) {
        if (!job->dropped)
            report_failure (job,
                            l,
                            LINK_SUBMIT_FAILED,
                            "submission refused: ",
                            future_strerror (f, errno));
        rjob_destroy (job);
        return;
    }
    flux_future_destroy (f);
    job->f_submit = NULL;
    free (job->jobspec);
    job->jobspec = NULL;
    job->remote_id = id;
    if (job->dropped) {
        if (job->cancel_reason)
            send_cancel (job, l);
        else
            rjob_destroy (job);
        return;
    }
    link_report (l, LINK_SUBMITTED, job->srcid, id, NULL, NULL);
    release (job, l);
    watch (job, l);
}

static void submit (struct rjob *job, struct link *l)
{
    if (!(job->f_submit =
              flux_job_submit (link_handle (l), job->jobspec, FLUX_JOB_URGENCY_HOLD, 0))
        || flux_future_aux_set (job->f_submit, "link", l, NULL) < 0
        || flux_future_then (job->f_submit, -1., submit_cb, job) < 0) {
        flux_future_destroy (job->f_submit);
        job->f_submit = NULL;
        link_connection_error (l);
    }
}

void rjob_start (struct rjob *job, struct link *l)
{
    if (job->dropped) {
        if (job->remote_id && job->cancel_reason && !job->f_cancel)
            send_cancel (job, l);
        else if (!job->f_submit && !job->f_cancel)
            rjob_destroy (job);
    } else if (job->jobspec && !job->f_submit)
        submit (job, l);
    else if (job->remote_id) {
        if (!job->released && !job->f_release)
            release (job, l);
        watch (job, l);
    }
}

void rjob_drop (struct rjob *job, struct link *l, const char *cancel_reason)
{
    job->dropped = true;
    if (cancel_reason && !job->cancel_reason)
        job->cancel_reason = strdup (cancel_reason);
    flux_future_destroy (job->events.f);
    flux_future_destroy (job->output.f);
    flux_future_destroy (job->f_R);
    job->events.f = job->output.f = job->f_R = NULL;
    if (link_handle (l))
        rjob_start (job, l);
    else if (!job->remote_id || !job->cancel_reason)
        rjob_destroy (job);
}

/* ---- the whole list, on connection changes ---- */

/* Start what each job needs; a job that has all it needs is left alone.
 */
void rjob_list_connected (struct rjob_list *list, struct link *l)
{
    struct rjob *job = list->head;
    while (job) {
        struct rjob *next = job->next;
        rjob_start (job, l);
        job = next;
    }
}

void rjob_list_disconnected (struct rjob_list *list, struct link *l)
{
    struct rjob *job = list->head;
    while (job) {
        struct rjob *next = job->next;
        bool unanswered = (job->f_submit != NULL);
        rjob_futures_destroy (job);
        if (unanswered) {
            lost_submission (job, l);
            if (!job->dropped)
                report_failure (job,
                                l,
                                LINK_SUBMIT_FAILED,
                                "",
                                "connection lost before the target answered");
            rjob_destroy (job);
        }
        job = next;
    }
}

void rjob_list_connect_failed (struct rjob_list *list, struct link *l, const char *why)
{
    struct rjob *job = list->head;
    while (job) {
        struct rjob *next = job->next;
        if (job->remote_id == 0) {
            if (!job->dropped)
                report_failure (job, l, LINK_SUBMIT_FAILED, "", why);
            rjob_destroy (job);
        }
        job = next;
    }
}

// vi:ts=4 sw=4 expandtab
