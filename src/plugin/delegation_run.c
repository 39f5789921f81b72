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
    json_t *test;
    int rc;

    if (flux_jobtap_job_set_flag (d->env->p, d->id, "alloc-bypass") < 0)
        return "cannot set the alloc-bypass flag";
    if (!(test = delegate_exec_test_create ()))
        return "cannot set exec test mode";
    rc = flux_jobtap_jobspec_update_id_pack (d->env->p,
                                             d->id,
                                             "{s:O}",
                                             "attributes.system.exec.test",
                                             test);
    json_decref (test);
    if (rc < 0)
        return "cannot set exec test mode";
    if (flux_jobtap_dependency_remove (d->env->p, d->id, DELEGATION_DEPENDENCY) < 0)
        return "cannot release the job";
    return NULL;
}

void take_R (struct delegation *d, json_t *remote_R)
{
    flux_error_t error;
    const char *what;

    if (d->R || ended (d))
        return;
    if (!(d->R = delegate_source_R (remote_R, &error))) {
        fail (d, "DelegationFailure", true, "%s: %s", link_uri (d->link), error.text);
        return;
    }
    set_state (d, D_ALLOC);
    if ((what = ready_to_run (d)))
        fail (d,
              "DelegationFailure",
              true,
              "%s: %s: %s",
              link_uri (d->link),
              what,
              strerror (errno));
}

static void commit_cb (flux_future_t *f, void *arg)
{
    struct delegation *d = arg;

    if (flux_future_get (f, NULL) < 0)
        fail (d,
              "alloc",
              true,
              "delegate: cannot store R: %s",
              future_strerror (f, errno));
    else if (!ended (d)) {
        set_state (d, D_RUN);
        if (flux_jobtap_event_post_pack (d->env->p,
                                         d->id,
                                         "alloc",
                                         "{s:b}",
                                         "bypass",
                                         1)
            < 0)
            fail (d,
                  "alloc",
                  true,
                  "delegate: cannot post alloc: %s",
                  strerror (errno));
        else
            advance (d);
    }
    flux_future_destroy (f);
    d->f_commit = NULL;
}

int delegation_sched (struct delegation *d, flux_plugin_arg_t *args)
{
    flux_kvs_txn_t *txn = NULL;
    char key[64];

    if (!d->R || d->state != D_ALLOC || d->f_commit)
        return 0;
    if (flux_plugin_arg_pack (args, FLUX_PLUGIN_ARG_OUT, "{s:O}", "R", d->R) < 0
        || flux_job_kvs_key (key, sizeof (key), d->id, "R") < 0
        || !(txn = flux_kvs_txn_create ())
        || flux_kvs_txn_pack (txn, 0, key, "O", d->R) < 0
        || !(d->f_commit = flux_kvs_commit (d->env->h, NULL, 0, txn))
        || flux_future_then (d->f_commit, -1., commit_cb, d) < 0) {
        flux_future_destroy (d->f_commit);
        d->f_commit = NULL;
        fail (d, "alloc", true, "delegate: cannot store R: %s", strerror (errno));
    }
    flux_kvs_txn_destroy (txn);
    return 0;
}

/* ---- RUN -> RUNNING -> FINISH: drive job-exec's override ---- */

static void retry_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    advance (arg);
}

/* Arm the retry timer (made at the first retry) for another try at
 * job-exec, unless time ran out.
 */
static bool retry_later (struct delegation *d)
{
    flux_reactor_t *r = flux_get_reactor (d->env->h);
    double now = flux_reactor_now (r);
    double delay = EXEC_RETRY_DELAY;
    double max;

    if (!d->retry_w
        && !(d->retry_w = flux_timer_watcher_create (r, 0., 0., retry_cb, d)))
        return false;
    if (d->exec_tries++ == 0)
        d->exec_retry_since = now;
    else if (now - d->exec_retry_since > EXEC_RETRY_WINDOW)
        return false;
    max = now - d->exec_retry_since < 1. ? EXEC_RETRY_DELAY_MAX_FIRST
                                         : EXEC_RETRY_DELAY_MAX;
    for (int i = 1; i < d->exec_tries && delay < max; i++)
        delay *= 2;
    flux_timer_watcher_reset (d->retry_w, delay < max ? delay : max, 0.);
    flux_watcher_start (d->retry_w);
    return true;
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

static void exec_cb (flux_future_t *f, void *arg)
{
    struct delegation *d = arg;
    int rc = flux_future_get (f, NULL);
    int errnum = errno;
    char errbuf[256];

    snprintf (errbuf, sizeof (errbuf), "%s", future_strerror (f, errnum));
    flux_future_destroy (f);
    d->f_exec = NULL;
    if (ended (d))
        return;
    if (rc < 0 && exec_not_ready (d, errnum) && retry_later (d))
        return;
    d->exec_tries = 0;
    flux_watcher_destroy (d->retry_w);  // made again at the next retry
    d->retry_w = NULL;
    if (d->state == D_RUN) {
        if (rc == 0) {
            set_state (d, D_RUNNING);
            d->exec_ready = true;
            if (d->out)
                output_start (d->out);  // job-exec made the guest namespace
        }
    } else if (d->state == D_FINISH && (rc == 0 || d->exc_type)) {
        if (d->exc_type)
            raise_held_exception (d);
        return;
    }
    if (rc < 0) {
        fail (d, "exec", true, "delegate: job-exec override: %s", errbuf);
        return;
    }
    advance (d);
}

/* The output copy is written only once the job's guest namespace exists:
 * in RUN, once job-exec has taken the job (before the override start); for
 * a job taken over in RUNNING (recover), after a plugin reload at once,
 * after an instance restart once job-exec has reattached the job.
 */
static void probe_cb (flux_future_t *f, void *arg)
{
    struct delegation *d = arg;
    int rc = flux_kvs_lookup_get (f, NULL);
    int errnum = errno;

    flux_future_destroy (f);
    d->f_exec = NULL;
    if (ended (d))
        return;
    if (rc < 0 && retry_later (d))
        return;
    d->exec_tries = 0;
    if (rc < 0) {
        fail (d,
              "exec",
              true,
              "delegate: the job's guest namespace is missing: %s",
              strerror (errnum));
        return;
    }
    d->exec_ready = true;
    if (d->out)
        output_start (d->out);
    advance (d);
}

static void probe_namespace (struct delegation *d)
{
    char ns[64];

    if (flux_job_kvs_namespace (ns, sizeof (ns), d->id) < 0
        || lookup_then (d, &d->f_exec, ns, "exec.eventlog", probe_cb) < 0)
        fail (d, "exec", true, "delegate: cannot look up the guest namespace");
}

static void exec_override (struct delegation *d, const char *event, int status)
{
    if (!(d->f_exec = flux_rpc_pack (d->env->h,
                                     "job-exec.override",
                                     FLUX_NODEID_ANY,
                                     0,
                                     "{s:s s:I s:i}",
                                     "event",
                                     event,
                                     "jobid",
                                     d->id,
                                     "status",
                                     status))
        || flux_future_then (d->f_exec, -1., exec_cb, d) < 0) {
        flux_future_destroy (d->f_exec);
        d->f_exec = NULL;
        fail (d, "exec", true, "delegate: job-exec override: %s", strerror (errno));
    }
}

/* The source job finishes once the remote job finished and its output
 * was copied (job-exec removes the guest namespace at the finish).
 */
void advance (struct delegation *d)
{
    if (ended (d) || d->f_exec || flux_watcher_is_active (d->retry_w))
        return;
    if (d->state == D_RUN && d->remote_started) {
        /* like a local job, it starts once its output can be read */
        if (!d->exec_ready)
            probe_namespace (d);
        else if (!d->out || output_shown (d->out))
            exec_override (d, "start", 0);
    } else if (d->state == D_RUNNING && !d->exec_ready)
        probe_namespace (d);
    else if (d->state == D_FINISH && d->exec_tries > 0)  // a retry is due
        exec_override (d, "finish", d->remote_status);
    else if (d->state == D_RUNNING && d->remote_finished
             && (!d->out || output_complete (d->out))) {
        set_state (d, D_FINISH);
        exec_override (d, "finish", d->remote_status);
    }
}

void output_complete_cb (void *arg)
{
    advance (arg);
}

/* The remote job started: its output will be copied (output.h).
 */
void remote_start_seen (struct delegation *d)
{
    d->remote_started = true;
    if (!d->out
        && !(d->out = output_create (d->env->h,
                                     d->id,
                                     d->env->service,
                                     output_complete_cb,
                                     d)))
        flux_log_error (d->env->h,
                        "delegate: job %ju: output will not be copied",
                        (uintmax_t)d->id);
    advance (d);
}

// vi:ts=4 sw=4 expandtab
