/* SPDX-License-Identifier: LGPL-3.0 */

/* rjob.c - a job as the link thread handles it on the target (rjob.h):
 * submit, release, kill, cancel, drop; following it is rjob_follow.c
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rjob_impl.h"

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
    flux_future_destroy (job->f_exec);
    job->f_submit = job->events.f = job->output.f = NULL;
    job->f_R = job->f_cancel = job->f_release = job->f_kill = job->f_exec = NULL;
}

static void rjob_destroy (struct rjob *job)
{
    if (job) {
        if ((*job->pprev = job->next))
            job->next->pprev = job->pprev;
        (void)idmap_remove (job->list->by_src, job->srcid, job);
        if (job->remote_id)
            (void)idmap_remove (job->list->by_remote, job->remote_id, job);
        rjob_futures_destroy (job);
        rjob_copy_destroy (job->copy);
        free (job->cancel_reason);
        free (job->end_why);
        free (job->reported);
        outcount_clear (&job->outcount);
        free (job);
    }
}

void rjob_list_clear (struct rjob_list *list)
{
    follow_stop (list);
    while (list->head)
        rjob_destroy (list->head);
}

/* The remote job got its id, mapped for the journal (rjob_follow.c):
 * -1 if it could not be.
 */
static int rjob_set_remote (struct rjob *job, flux_jobid_t id)
{
    job->remote_id = id;
    return idmap_put (job->list->by_remote, id, job);
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
    job->list = list;
    job->srcid = srcid;
    job->events = (struct rwatch){.job = job};
    job->output = (struct rwatch){.job = job};
    if (idmap_put (list->by_src, srcid, job) < 0
        || (remote_id && rjob_set_remote (job, remote_id) < 0)) {
        (void)idmap_remove (list->by_src, srcid, job);
        (void)idmap_remove (list->by_remote, remote_id, job);
        free (job);
        return NULL;
    }
    if ((job->next = list->head))
        job->next->pprev = &job->next;
    job->pprev = &list->head;
    list->head = job;
    return job;
}

struct rjob *rjob_lookup (struct rjob_list *list, flux_jobid_t srcid)
{
    return idmap_get (list->by_src, srcid);
}

struct rjob_copy *rjob_copy_create (const struct link_job *job)
{
    struct rjob_copy *copy = calloc (1, sizeof (*copy));

    if (!copy)
        return NULL;
    copy->userid = job->userid;
    copy->hops = job->hops;
    copy->origin = json_incref (job->origin);
    copy->lease = job->lease;
    if ((job->jobspec && !(copy->jobspec = strdup (job->jobspec)))
        || (job->J && !(copy->J = strdup (job->J)))
        || (job->key && !(copy->key = strdup (job->key)))) {
        rjob_copy_destroy (copy);
        return NULL;
    }
    return copy;
}

void rjob_copy_destroy (struct rjob_copy *copy)
{
    if (copy) {
        free (copy->jobspec);
        free (copy->J);
        free (copy->key);
        json_decref (copy->origin);
        free (copy);
    }
}

void rjob_set_submit (struct rjob *job, struct rjob_copy *copy, int urgency, bool hold)
{
    rjob_copy_destroy (job->copy);
    job->copy = copy;
    job->urgency = urgency;
    job->hold = hold;
}

void rjob_set_urgency (struct rjob *job, int urgency)
{
    job->urgency = urgency;
    job->hold = false;
    job->released = false;
    flux_future_destroy (job->f_release);  // the answer to an older one
    job->f_release = NULL;
}

void rjob_set_grant (struct rjob *job)
{
    job->grant = true;
}

void rjob_set_skip (struct rjob *job, int events, int output)
{
    job->events.skip = events;
    job->output.skip = output;
    job->output.started = output > 0;
}

void report_failure (struct rjob *job,
                     struct tlink *l,
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

static void send_cancel (struct rjob *job, struct tlink *l)
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

void rjob_kill (struct rjob *job, struct tlink *l, int signum)
{
    if (!job->remote_id || job->dropped)
        return;
    flux_future_destroy (job->f_kill);
    if (!(job->f_kill = flux_job_kill (link_handle (l), job->remote_id, signum))
        || flux_future_then (job->f_kill, -1., kill_cb, job) < 0)
        link_connection_error (l);
}

/* ---- release the held remote job ---- */

static void release_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;
    struct tlink *l = flux_future_aux_get (f, "link");

    /* EINVAL: the job was allocated already (released before a reload),
     * or ended, or is gone; its eventlog tells the rest.
     */
    if (flux_future_get (f, NULL) < 0 && errno != ENOENT && errno != EINVAL
        && !job->dropped)
        report_failure (job,
                        l,
                        LINK_LOST,
                        "cannot release the remote job: ",
                        future_strerror (f, errno));
    else {
        job->released = true;
        job->sent_urgency = job->urgency;
    }
    flux_future_destroy (f);
    job->f_release = NULL;
}

/* Once released: a copy made by an accept request is acknowledged, and
 * any copy gets the urgency asked for if it has another.
 */
static void release (struct rjob *job, struct tlink *l)
{
    if (job->hold)
        return;
    rjob_acknowledge (job, l);
    if (job->urgency == job->sent_urgency) {
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
static void lost_submission (struct rjob *job, struct tlink *l)
{
    json_t *jobspec = json_loads (job->copy->jobspec, 0, NULL);
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

void rjob_submit_failed (struct rjob *job, struct tlink *l, const char *why)
{
    if (!job->dropped)
        report_failure (job, l, LINK_SUBMIT_FAILED, "submission refused: ", why);
    rjob_destroy (job);
}

void rjob_submitted (struct rjob *job, struct tlink *l, flux_jobid_t id)
{
    rjob_copy_destroy (job->copy);
    job->copy = NULL;
    if (rjob_set_remote (job, id) < 0 && !job->dropped) {
        /* it could not be followed: it goes */
        report_failure (job, l, LINK_SUBMIT_FAILED, "", "out of memory");
        job->dropped = true;
        send_cancel (job, l);
        return;
    }
    if (job->dropped) {
        if (job->cancel_reason)
            send_cancel (job, l);
        else
            rjob_destroy (job);
        return;
    }
    link_report (l, LINK_SUBMITTED, job->srcid, id, NULL, NULL);
    release (job, l);
    rjob_claim (link_jobs (l), job, l);
    rjob_follow (job, l);
}

static void submit_cb (flux_future_t *f, void *arg)
{
    struct rjob *job = arg;
    struct tlink *l = flux_future_aux_get (f, "link");
    flux_jobid_t id;

    if (flux_job_submit_get_id (f, &id) < 0) {
        rjob_submit_failed (job, l, future_strerror (f, errno));
        return;
    }
    flux_future_destroy (f);
    job->f_submit = NULL;
    rjob_submitted (job, l, id);
}

static void submit (struct rjob *job, struct tlink *l)
{
    if (job->via_accept && !link_accepts (l)) {
        /* sent once by an accept request: never also the other way */
        report_failure (job,
                        l,
                        LINK_SUBMIT_FAILED,
                        "",
                        "the target no longer accepts delegated jobs");
        rjob_destroy (job);
        return;
    }
    if (job->copy->lease > 0. && !link_accepts (l)) {
        report_failure (job,
                        l,
                        LINK_SUBMIT_FAILED,
                        "",
                        "the target does not hold copies of sibling jobs"
                        " (no [delegate-accept] there)");
        rjob_destroy (job);
        return;
    }
    job->via_accept = link_accepts (l);
    job->sent_urgency = job->via_accept ? job->urgency : FLUX_JOB_URGENCY_HOLD;
    if (!job->via_accept && !job->copy->jobspec) {
        report_failure (job,
                        l,
                        LINK_SUBMIT_FAILED,
                        "",
                        "the target does not accept other users' jobs"
                        " (no [delegate-accept] there)");
        rjob_destroy (job);
        return;
    }
    if (job->via_accept) {
        rjob_accept_queue (job, l);  // sent before the reactor waits again
        return;
    }
    if (!(job->f_submit = flux_job_submit (link_handle (l),
                                           job->copy->jobspec,
                                           FLUX_JOB_URGENCY_HOLD,
                                           0))
        || flux_future_aux_set (job->f_submit, "link", l, NULL) < 0
        || flux_future_then (job->f_submit, -1., submit_cb, job) < 0) {
        flux_future_destroy (job->f_submit);
        job->f_submit = NULL;
        link_connection_error (l);
    }
}

void rjob_start (struct rjob *job, struct tlink *l)
{
    if (job->dropped) {
        if (job->remote_id && job->cancel_reason && !job->f_cancel)
            send_cancel (job, l);
        else if (!job->f_submit && !job->batch && !job->f_cancel)
            rjob_destroy (job);
    } else if (job->copy && !job->f_submit && !job->batch && !job->accept_queued)
        submit (job, l);
    else if (job->remote_id) {
        if (!job->released && !job->f_release)
            release (job, l);
        else
            rjob_acknowledge (job, l);
        rjob_grant (job, l);
        rjob_follow (job, l);
    }
}

void rjob_drop (struct rjob *job, struct tlink *l, const char *cancel_reason)
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
void rjob_list_connected (struct rjob_list *list, struct tlink *l)
{
    struct rjob *job = list->head;
    while (job) {
        struct rjob *next = job->next;
        rjob_start (job, l);
        job = next;
    }
}

void rjob_list_disconnected (struct rjob_list *list, struct tlink *l)
{
    struct rjob *job = list->head;

    follow_stop (list);
    rjob_accept_forget (list);
    while (job) {
        struct rjob *next = job->next;
        job->batch = NULL;  // the accept request is sent again on reconnect
        job->accept_queued = false;
        job->acked = false;       // acknowledged again once connected, if need be
        job->grant_sent = false;  // granted again too
        /* an accept request is sent again on reconnect, with its key */
        bool lost = job->f_submit != NULL && !job->via_accept;
        rjob_futures_destroy (job);
        job->journaled = false;
        if (lost) {
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

void rjob_list_connect_failed (struct rjob_list *list, struct tlink *l, const char *why)
{
    struct rjob *job = list->head;
    while (job) {
        struct rjob *next = job->next;
        /* an accept request sent before waits for the next connect, to
         * be sent again with its key (the delegation's deadline bounds
         * the wait); a submission never sent fails now
         */
        if (job->remote_id == 0 && !(job->via_accept && !job->dropped)) {
            if (!job->dropped)
                report_failure (job, l, LINK_SUBMIT_FAILED, "", why);
            rjob_destroy (job);
        }
        job = next;
    }
}

// vi:ts=4 sw=4 expandtab
