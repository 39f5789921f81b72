/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_run.c - ALLOC -> RUN -> RUNNING -> FINISH: R, job-exec's override, output
 *
 * Part of the state machine drawn at the top of delegation.c.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delegation_impl.h"
#include "jobspec.h"

/* job-exec may not have the job yet (start request not taken; after an
 * instance restart, not loaded or not reattached yet; at shutdown, gone
 * already): retry soon, then less often (5 ms doubling to 50 ms in the
 * first second, to 250 ms after), for at most a minute.
 */
#define EXEC_RETRY_DELAY 0.005
#define EXEC_RETRY_DELAY_MAX_FIRST 0.05
#define EXEC_RETRY_DELAY_MAX 0.25
#define EXEC_RETRY_WINDOW 60.

/* ---- PENDING -> ALLOC -> RUN: take the remote R ---- */

/* Ready the held job to run with the remote R: the scheduler is bypassed
 * (delegation_sched() gives it R), job-exec runs it in test mode with
 * override (this plugin starts and finishes it), and the "delegate"
 * dependency goes, so the job enters SCHED at once.  The flag and the
 * jobspec update are posted here rather than when the job is created:
 * a job pending on the target, the common case, keeps two eventlog
 * entries less in the job manager's memory.  Returns what failed, or NULL.
 */
static const char *ready_to_run (struct delegation *d)
{
    const struct host *host = &d->env->host;
    json_t *test;
    int rc;

    if (host->ops->set_flag (host->h, d->id, "alloc-bypass") < 0)
        return "cannot set the alloc-bypass flag";
    if (!(test = delegate_exec_test_create ()))
        return "cannot set exec test mode";
    rc =
        host->ops->jobspec_update (host->h, d->id, "attributes.system.exec.test", test);
    json_decref (test);
    if (rc < 0)
        return "cannot set exec test mode";
    if (host->ops->dependency_remove (host->h, d->id, DELEGATION_DEPENDENCY) < 0)
        return "cannot release the job";
    return NULL;
}

void delegation_take_R (struct delegation *d, json_t *remote_R)
{
    const char *uri = copy_uri (current_copy (d));
    flux_error_t error;
    const char *what;

    if (d->R || delegation_ended (d) || d->state != D_PENDING)
        return;
    if (!(d->R = delegate_source_R (remote_R, &error))) {
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_CANCEL,
                         "%s: %s",
                         uri,
                         error.text);
        return;
    }
    if (delegation_transition (d, D_ALLOC) < 0)
        return;
    if ((what = ready_to_run (d)))
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_CANCEL,
                         "%s: %s: %s",
                         uri,
                         what,
                         strerror (errno));
}

static void commit_cb (void *arg, int errnum, const char *errstr)
{
    struct delegation *d = arg;
    json_t *ctx;

    d->req_commit = NULL;
    if (errnum != 0)
        delegation_fail (d,
                         "alloc",
                         REMOTE_CANCEL,
                         "delegate: cannot store R: %s",
                         errstr);
    else if (!delegation_ended (d) && delegation_transition (d, D_RUN) == 0) {
        if (!(ctx = json_pack ("{s:b}", "bypass", 1))
            || delegation_post (d, "alloc", ctx) < 0)
            delegation_fail (d,
                             "alloc",
                             REMOTE_CANCEL,
                             "delegate: cannot post alloc: %s",
                             strerror (errno));
        else
            delegation_advance (d);
        json_decref (ctx);
    }
}

json_t *delegation_sched (struct delegation *d)
{
    const struct host *host = &d->env->host;

    if (!d->R || d->state != D_ALLOC || d->req_commit)
        return NULL;
    if (!(d->req_commit = host->ops->commit_R (host->h, d->id, d->R, commit_cb, d))) {
        delegation_fail (d,
                         "alloc",
                         REMOTE_CANCEL,
                         "delegate: cannot store R: %s",
                         strerror (errno));
        return NULL;
    }
    return d->R;
}

/* ---- RUN -> RUNNING -> FINISH: drive job-exec's override ---- */

static void retry_cb (void *arg)
{
    delegation_advance (arg);
}

static bool retry_armed (struct delegation *d)
{
    const struct host *host = &d->env->host;
    return d->retry_timer && host->ops->timer_armed (host->h, d->retry_timer);
}

/* Arm the retry timer (made at the first retry) for another try at
 * job-exec, unless time ran out.
 */
static bool retry_later (struct delegation *d)
{
    const struct host *host = &d->env->host;
    double now = host->ops->now (host->h);
    double delay = EXEC_RETRY_DELAY;
    double max;

    if (!d->retry_timer
        && !(d->retry_timer = host->ops->timer_create (host->h, retry_cb, d)))
        return false;
    if (d->exec_tries++ == 0)
        d->exec_retry_since = now;
    else if (now - d->exec_retry_since > EXEC_RETRY_WINDOW)
        return false;
    max = now - d->exec_retry_since < 1. ? EXEC_RETRY_DELAY_MAX_FIRST
                                         : EXEC_RETRY_DELAY_MAX;
    for (int i = 1; i < d->exec_tries && delay < max; i++)
        delay *= 2;
    host->ops->timer_arm (host->h, d->retry_timer, delay < max ? delay : max);
    return true;
}

/* job-exec took the job, or retries are over: the timer goes (made
 * again at the next retry).
 */
static void retry_done (struct delegation *d)
{
    const struct host *host = &d->env->host;

    d->exec_tries = 0;
    host->ops->timer_destroy (host->h, d->retry_timer);
    d->retry_timer = NULL;
}

/* The errors of an override that job-exec may take later: ENOSYS (not
 * loaded), ENOENT (job not known yet), EINVAL (finish before a reattach
 * marked the job running).
 */
static bool exec_not_ready (struct delegation *d, int errnum)
{
    return errnum == ENOSYS || errnum == ENOENT
           || (d->state == D_FINISH && errnum == EINVAL);
}

/* The guest namespace exists: the output copy may be written.
 */
static void exec_has_job (struct delegation *d)
{
    d->exec_ready = true;
    if (d->out)
        output_start (d->out);
}

static void exec_cb (void *arg, int errnum, const char *errstr)
{
    struct delegation *d = arg;

    d->req_exec = NULL;
    if (delegation_ended (d))
        return;
    if (errnum != 0 && exec_not_ready (d, errnum) && retry_later (d))
        return;
    retry_done (d);
    if (d->state == D_RUN) {
        if (errnum == 0 && delegation_transition (d, D_RUNNING) == 0)
            exec_has_job (d);  // job-exec made the guest namespace
    } else if (d->state == D_FINISH && (errnum == 0 || d->exc_type)) {
        if (d->exc_type)
            delegation_raise_held_exception (d);
        return;
    }
    if (errnum != 0) {
        delegation_fail (d,
                         "exec",
                         REMOTE_CANCEL,
                         "delegate: job-exec override: %s",
                         errstr);
        return;
    }
    delegation_advance (d);
}

/* The output copy is written only once the job's guest namespace exists:
 * in RUN, once job-exec has taken the job (before the override start); for
 * a job taken over in RUNNING (recover), after a plugin reload at once,
 * after an instance restart once job-exec has reattached the job.
 */
static void probe_cb (void *arg, const char *value, int errnum)
{
    struct delegation *d = arg;

    d->req_exec = NULL;
    if (delegation_ended (d))
        return;
    if (!value && retry_later (d))
        return;
    retry_done (d);
    if (!value) {
        delegation_fail (d,
                         "exec",
                         REMOTE_CANCEL,
                         "delegate: the job's guest namespace is missing: %s",
                         strerror (errnum));
        return;
    }
    exec_has_job (d);
    delegation_advance (d);
}

static void probe_namespace (struct delegation *d)
{
    char ns[64];

    if (flux_job_kvs_namespace (ns, sizeof (ns), d->id) < 0
        || delegation_lookup_key (d, &d->req_exec, ns, "exec.eventlog", probe_cb) < 0)
        delegation_fail (d,
                         "exec",
                         REMOTE_CANCEL,
                         "delegate: cannot look up the guest namespace");
}

static void exec_override (struct delegation *d, const char *event, int status)
{
    const struct host *host = &d->env->host;

    if (!(d->req_exec = host->ops->exec_override (host->h,
                                                  d->id,
                                                  d->userid,
                                                  event,
                                                  status,
                                                  exec_cb,
                                                  d)))
        delegation_fail (d,
                         "exec",
                         REMOTE_CANCEL,
                         "delegate: job-exec override: %s",
                         strerror (errno));
}

/* The source job finishes once the remote job finished and its output
 * was copied (job-exec removes the guest namespace at the finish).
 */
void delegation_advance (struct delegation *d)
{
    struct rcopy *c = current_copy (d);

    if (delegation_ended (d) || !c || d->req_exec || retry_armed (d))
        return;
    if (d->state == D_RUN && c->started) {
        /* like a local job, it starts once its output can be read */
        if (!d->exec_ready)
            probe_namespace (d);
        else if (!d->out || output_shown (d->out))
            exec_override (d, "start", 0);
    } else if (d->state == D_RUNNING && !d->exec_ready)
        probe_namespace (d);
    else if (d->state == D_FINISH && d->exec_tries > 0)  // a retry is due
        exec_override (d, "finish", c->status);
    else if (d->state == D_RUNNING && c->finished
             && (!d->out || output_complete (d->out))
             && delegation_transition (d, D_FINISH) == 0)
        exec_override (d, "finish", c->status);
}

void delegation_output_cb (void *arg)
{
    delegation_advance (arg);
}

/* The remote job started: its output will be copied (output.h).
 */
void delegation_remote_started (struct delegation *d)
{
    const struct host *host = &d->env->host;

    current_copy (d)->started = true;
    if (!d->out
        && !(d->out =
                 host->ops->output_create (host->h, d->id, delegation_output_cb, d)))
        delegation_log (d, LOG_ERR, "output will not be copied: %s", strerror (errno));
    delegation_advance (d);
}

// vi:ts=4 sw=4 expandtab
