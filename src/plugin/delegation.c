/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation.c - one source job delegated to a target (the state machine)
 *
 * The source job is held in DEPEND by the "delegate" dependency while it
 * waits for its other dependencies and while the remote job is pending.
 * It is then given the remote job's R (alloc-bypass), runs in job-exec's
 * test mode with override, and is started and finished by this plugin
 * when the remote job starts and finishes.
 *
 *   HOLD ── other dependencies gone ──> PREPARE ── jobspec read ──> SUBMIT
 *                                                                    │
 *      ┌───────────────────── remote job id ─────────────────────────┘
 *      v
 *   PENDING ── remote R ──> ALLOC ── R committed, "alloc" posted ──> RUN
 *   (dependency removed, so the job goes to SCHED and takes R)        │
 *      ┌─────────── remote "start" seen, override start done ─────────┘
 *      v
 *   RUNNING ── remote "finish" ──> FINISH (override finish with the
 *                                  remote wait status)
 *
 *   any state ── failure ──────────> FAILED    (exception raised here)
 *   any state ── source exception ─> CANCELED  (remote job cancelled)
 *
 * PREPARE chooses the target (route.c): the URI or label given, or the
 * one a policy picks.  An attempt fails when the link cannot connect,
 * the target refuses the job, no answer comes within the link timeout
 * of PREPARE, contact is lost for the link timeout, or the remote job
 * gets an alloc exception before it starts.  A job routed by a policy
 * then goes back to PREPARE for the next target (its remote job, if any,
 * is cancelled) and posts delegate::failover {uri, label, attempt, note};
 * otherwise, or when no target is left, DelegationFailure
 * "URI: reason" ("on URI: note" for a remote exception).  Other remote
 * exceptions are raised on the source with the remote type.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delegation.h"
#include "jobspec.h"

#define START_RETRY_DELAY 0.05
#define START_RETRY_MAX 200

enum dstate {
    D_HOLD,
    D_PREPARE,
    D_SUBMIT,
    D_PENDING,
    D_ALLOC,
    D_RUN,
    D_RUNNING,
    D_FINISH,
    D_FAILED,
    D_CANCELED,
};

static const char *state_names[] = {
    "hold",
    "prepare",
    "submit",
    "pending",
    "alloc",
    "run",
    "running",
    "finish",
    "failed",
    "canceled",
};

struct delegation {
    struct delegation *next;
    struct delegation **pprev;
    struct delegation_env *env;
    flux_jobid_t id;
    uint32_t userid;
    int urgency;
    struct route *route;
    struct link *link;  // of the current attempt
    char *label;        // of the current target, or NULL
    enum dstate state;

    json_t *others;  // other outstanding dependencies (a set)
    bool in_depend;
    bool dropped;

    flux_jobid_t remote_id;
    json_t *R;  // R for the source job
    bool remote_started;
    bool remote_finished;
    int remote_status;

    flux_future_t *f_J;  // the job as submitted
    flux_future_t *f_commit;
    flux_future_t *f_exec;  // override start or finish
    flux_watcher_t *deadline_w;
    flux_watcher_t *retry_w;  // settle check, start retries
    int start_tries;
    char *deadline_why;
    char *exc_type;  // fatal remote exception after start, raised
    char *exc_note;  //   once the source job has the remote status
};

static void advance (struct delegation *d);

const char *delegation_state_name (struct delegation *d)
{
    return state_names[d->state];
}

struct delegation *delegation_next (struct delegation *d)
{
    return d->next;
}

struct link *delegation_link (struct delegation *d)
{
    return d->link;
}

/* ---- ending a delegation ---- */

static bool ended (struct delegation *d)
{
    return d->state == D_FAILED || d->state == D_CANCELED;
}

static void drop (struct delegation *d, const char *cancel_reason)
{
    if (d->link && !d->dropped) {
        d->dropped = true;
        (void)link_drop (d->link, d->id, cancel_reason);
    }
}

static void stop_timers (struct delegation *d)
{
    flux_watcher_stop (d->deadline_w);
    flux_watcher_stop (d->retry_w);
}

/* End the delegation with an exception on the source job.
 * 'cancel' says whether a remote job (if any, now or later) must go.
 */
static void fail (
    struct delegation *d, const char *type, bool cancel, const char *fmt, ...)
{
    char note[1024];
    va_list ap;

    if (ended (d))
        return;
    va_start (ap, fmt);
    vsnprintf (note, sizeof (note), fmt, ap);
    va_end (ap);
    d->state = D_FAILED;
    stop_timers (d);
    drop (d, cancel ? "abandoned by the source instance" : NULL);
    if (flux_jobtap_raise_exception (d->env->p, d->id, type, 0, "%s", note) < 0)
        flux_log_error (d->env->h, "delegate: raise exception on job");
}

/* Raise the remote job's fatal exception, held since it came after the
 * remote job started, so that the source job first finished with the
 * remote wait status.
 */
static void raise_held_exception (struct delegation *d)
{
    fail (d, d->exc_type, false, "on %s: %s", link_uri (d->link), d->exc_note);
}

void delegation_exception (struct delegation *d,
                           const char *type,
                           int severity,
                           const char *note)
{
    char reason[512];

    if (severity != 0 || ended (d))
        return;
    d->state = D_CANCELED;
    stop_timers (d);
    snprintf (reason,
              sizeof (reason),
              "source job %s: %s",
              type,
              note && *note ? note : "exception");
    drop (d, reason);
}

static void prepare (struct delegation *d);

/* The current attempt failed, before the remote job started.  A job
 * routed by a policy tries the next target; any other fails.
 * 'on' says whether 'why' comes from the target ("on URI: why").
 */
static void attempt_failed (struct delegation *d, bool on, bool cancel, const char *why)
{
    if (ended (d))
        return;
    if (!route_can_failover (d->route) || d->remote_started) {
        fail (d,
              "DelegationFailure",
              cancel,
              "%s%s: %s",
              on ? "on " : "",
              link_uri (d->link),
              why);
        return;
    }
    if (flux_jobtap_event_post_pack (d->env->p,
                                     d->id,
                                     "delegate::failover",
                                     "{s:s s:s? s:i s:s}",
                                     "uri",
                                     link_uri (d->link),
                                     "label",
                                     d->label,
                                     "attempt",
                                     route_attempt (d->route),
                                     "note",
                                     why)
        < 0)
        flux_log_error (d->env->h, "delegate: post delegate::failover");
    route_failed (d->route, why);
    stop_timers (d);
    drop (d, cancel ? "abandoned by the source instance" : NULL);
    d->dropped = false;
    d->remote_id = 0;
    d->remote_started = d->remote_finished = false;
    prepare (d);
}

/* ---- deadlines ---- */

static void deadline_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct delegation *d = arg;

    attempt_failed (d, false, true, d->deadline_why ? d->deadline_why : "no answer");
}

static void deadline_arm (struct delegation *d, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    if (flux_watcher_is_active (d->deadline_w))
        return;
    va_start (ap, fmt);
    vsnprintf (why, sizeof (why), fmt, ap);
    va_end (ap);
    free (d->deadline_why);
    d->deadline_why = strdup (why);
    flux_timer_watcher_reset (d->deadline_w, d->env->link_timeout, 0.);
    flux_watcher_start (d->deadline_w);
}

/* ---- PREPARE: read the job as submitted (J), send the copy ---- */

/* The copy records where it came from: this instance and the job id.
 */
static json_t *origin_create (struct delegation *d)
{
    json_t *origin = json_deep_copy (d->env->origin);

    if (!origin || json_object_set_new (origin, "jobid", json_integer (d->id)) < 0) {
        json_decref (origin);
        return NULL;
    }
    return origin;
}

static char *remote_jobspec (struct delegation *d, const char *J, flux_error_t *errp)
{
    flux_plugin_arg_t *args;
    json_t *current;
    json_t *submitted = NULL;
    json_t *origin = NULL;
    json_t *copy = NULL;
    char *s = NULL;

    snprintf (errp->text, sizeof (errp->text), "out of memory");
    if ((args = flux_jobtap_job_lookup (d->env->p, d->id))
        && flux_plugin_arg_unpack (args,
                                   FLUX_PLUGIN_ARG_IN,
                                   "{s:o}",
                                   "jobspec",
                                   &current)
               == 0
        && (submitted = delegate_J_jobspec (J, errp)) && (origin = origin_create (d))
        && (copy = delegate_jobspec_remote (current, submitted, origin, errp)))
        s = json_dumps (copy, JSON_COMPACT);
    json_decref (copy);
    json_decref (origin);
    json_decref (submitted);
    flux_plugin_arg_destroy (args);
    return s;
}

static void J_cb (flux_future_t *f, void *arg)
{
    struct delegation *d = arg;
    const char *J;
    char *s = NULL;
    flux_error_t error;

    if (flux_kvs_lookup_get (f, &J) < 0) {
        fail (d,
              "DelegationFailure",
              false,
              "%s: cannot read the job as submitted: %s",
              link_uri (d->link),
              future_strerror (f, errno));
    } else if (!ended (d)) {
        if (!(s = remote_jobspec (d, J, &error)))
            fail (d,
                  "DelegationFailure",
                  false,
                  "%s: cannot prepare the job for the target: %s",
                  link_uri (d->link),
                  error.text);
        else if (link_submit (d->link, d->id, s, d->urgency) < 0)
            fail (d,
                  "DelegationFailure",
                  false,
                  "%s: cannot queue the job: %s",
                  link_uri (d->link),
                  strerror (errno));
        else
            d->state = D_SUBMIT;
    }
    free (s);
    flux_future_destroy (f);
    d->f_J = NULL;
}

/* Choose the target of this attempt.  Return 0, or -1 if the job failed.
 */
static int choose_target (struct delegation *d)
{
    flux_plugin_arg_t *args;
    json_t *jobspec = NULL;
    const char *uri;
    const char *label;
    char error[1024];
    int rc = -1;

    snprintf (error, sizeof (error), "cannot read the job");
    if ((args = flux_jobtap_job_lookup (d->env->p, d->id))
        && flux_plugin_arg_unpack (args,
                                   FLUX_PLUGIN_ARG_IN,
                                   "{s:o}",
                                   "jobspec",
                                   &jobspec)
               == 0
        && route_next (d->route,
                       d->env->targets,
                       jobspec,
                       &uri,
                       &label,
                       error,
                       sizeof (error))
               == 0) {
        free (d->label);
        d->label = label ? strdup (label) : NULL;
        if ((d->link = targets_link (d->env->targets, uri)))
            rc = 0;
        else
            snprintf (error, sizeof (error), "%s: %s", uri, strerror (errno));
    }
    flux_plugin_arg_destroy (args);
    if (rc < 0) {
        d->link = NULL;
        fail (d, "DelegationFailure", false, "%s", error);
    }
    return rc;
}

static void prepare (struct delegation *d)
{
    char key[64];

    if (choose_target (d) < 0)
        return;
    d->state = D_PREPARE;
    deadline_arm (d, "no answer within %gs", d->env->link_timeout);
    if (flux_job_kvs_key (key, sizeof (key), d->id, "J") < 0
        || !(d->f_J = flux_kvs_lookup (d->env->h, NULL, 0, key))
        || flux_future_then (d->f_J, -1., J_cb, d) < 0) {
        flux_future_destroy (d->f_J);
        d->f_J = NULL;
        fail (d,
              "DelegationFailure",
              false,
              "%s: cannot read the job as submitted: %s",
              link_uri (d->link),
              strerror (errno));
    }
}

/* ---- HOLD: wait for the other dependencies ---- */

/* Decide once the current round of callbacks is over, so that plugins
 * called after this one have added their dependencies.
 */
static void settle_later (struct delegation *d)
{
    if (d->state == D_HOLD && d->in_depend && !flux_watcher_is_active (d->retry_w)) {
        flux_timer_watcher_reset (d->retry_w, 0., 0.);
        flux_watcher_start (d->retry_w);
    }
}

void delegation_dependency_add (struct delegation *d, const char *description)
{
    if (strcmp (description, DELEGATION_DEPENDENCY) != 0)
        (void)json_object_set_new (d->others, description, json_true ());
}

void delegation_dependency_remove (struct delegation *d, const char *description)
{
    (void)json_object_del (d->others, description);
    settle_later (d);
}

void delegation_depend (struct delegation *d)
{
    d->in_depend = true;
    settle_later (d);
}

/* ---- PENDING -> ALLOC -> RUN: take the remote R ---- */

static void take_R (struct delegation *d, json_t *remote_R)
{
    flux_error_t error;

    if (d->R || ended (d))
        return;
    if (!(d->R = delegate_source_R (remote_R, &error))) {
        fail (d, "DelegationFailure", true, "%s: %s", link_uri (d->link), error.text);
        return;
    }
    d->state = D_ALLOC;
    /* The job goes to SCHED at once, and delegation_sched() gives it R. */
    if (flux_jobtap_dependency_remove (d->env->p, d->id, DELEGATION_DEPENDENCY) < 0)
        fail (d,
              "DelegationFailure",
              true,
              "%s: cannot release the job: %s",
              link_uri (d->link),
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
        d->state = D_RUN;
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
    if (d->state == D_RUN) {
        if (rc < 0 && errnum == ENOENT && ++d->start_tries < START_RETRY_MAX) {
            /* job-exec has not taken the start request yet */
            flux_timer_watcher_reset (d->retry_w, START_RETRY_DELAY, 0.);
            flux_watcher_start (d->retry_w);
            return;
        }
        if (rc == 0)
            d->state = D_RUNNING;
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

static void advance (struct delegation *d)
{
    if (ended (d) || d->f_exec || flux_watcher_is_active (d->retry_w))
        return;
    if (d->state == D_RUN && d->remote_started)
        exec_override (d, "start", 0);
    else if (d->state == D_RUNNING && d->remote_finished) {
        d->state = D_FINISH;
        exec_override (d, "finish", d->remote_status);
    }
}

static void retry_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct delegation *d = arg;

    if (d->state == D_HOLD) {
        if (d->in_depend && json_object_size (d->others) == 0)
            prepare (d);
    } else
        advance (d);
}

/* ---- what the link tells ---- */

static void remote_exception (struct delegation *d, json_t *context)
{
    const char *type = "exception";
    const char *note = "";
    int severity = 0;

    (void)json_unpack (context,
                       "{s?s s?i s?s}",
                       "type",
                       &type,
                       "severity",
                       &severity,
                       "note",
                       &note);
    if (severity != 0) {
        (void)flux_jobtap_raise_exception (d->env->p,
                                           d->id,
                                           type,
                                           severity,
                                           "on %s: %s",
                                           link_uri (d->link),
                                           note);
        return;
    }
    if (!d->remote_started) {
        if (!strcmp (type, "alloc"))
            attempt_failed (d, true, false, note);
        else
            fail (d, type, false, "on %s: %s", link_uri (d->link), note);
        return;
    }
    /* A "finish" with the remote wait status follows: finish the source
     * job with it, then raise this exception (see exec_cb()).
     */
    if (!d->exc_type) {
        d->exc_type = strdup (type);
        d->exc_note = strdup (note);
        if (!d->exc_type || !d->exc_note)
            fail (d, type, false, "on %s: %s", link_uri (d->link), note);
    }
}

static void remote_event (struct delegation *d, json_t *entry)
{
    const char *name;
    json_t *context = NULL;

    if (json_unpack (entry, "{s:s s?o}", "name", &name, "context", &context) < 0)
        return;
    if (!strcmp (name, "exception"))
        remote_exception (d, context);
    else if (!strcmp (name, "start")) {
        d->remote_started = true;
        advance (d);
    } else if (!strcmp (name, "finish")) {
        (void)json_unpack (context, "{s:i}", "status", &d->remote_status);
        d->remote_finished = true;
        advance (d);
    } else if (!strcmp (name, "clean") && d->exc_type && d->state != D_FINISH)
        raise_held_exception (d);  // no finish came
}

void delegation_link_report (struct delegation *d, const struct link_report *rep)
{
    if (ended (d))
        return;
    switch (rep->type) {
        case LINK_SUBMITTED:
            d->remote_id = rep->remote_id;
            d->state = D_PENDING;
            flux_watcher_stop (d->deadline_w);
            if (flux_jobtap_event_post_pack (d->env->p,
                                             d->id,
                                             "delegate::submit",
                                             "{s:I s:s s:s? s:i}",
                                             "jobid",
                                             (json_int_t)rep->remote_id,
                                             "uri",
                                             link_uri (d->link),
                                             "label",
                                             d->label,
                                             "attempt",
                                             route_attempt (d->route))
                < 0)
                flux_log_error (d->env->h, "delegate: post delegate::submit");
            break;
        case LINK_SUBMIT_FAILED:
        case LINK_LOST:
            attempt_failed (d,
                            false,
                            rep->type == LINK_LOST,
                            rep->text ? rep->text : "failed");
            break;
        case LINK_EVENT:
            remote_event (d, rep->obj);
            break;
        case LINK_R:
            take_R (d, rep->obj);
            break;
        case LINK_UP:
        case LINK_DOWN:
        case LINK_METRICS:
        case LINK_ORPHAN:
            break;
    }
}

void delegation_link_state (struct delegation *d, bool up, const char *why)
{
    if (ended (d) || d->remote_id == 0)
        return;
    if (up)
        flux_watcher_stop (d->deadline_w);
    else
        deadline_arm (d, "lost contact with the target: %s", why ? why : "down");
}

/* ---- life cycle ---- */

struct delegation *delegation_lookup (struct delegation_env *env, flux_jobid_t id)
{
    for (struct delegation *d = env->list; d; d = d->next)
        if (d->id == id)
            return d;
    return NULL;
}

void delegation_destroy (struct delegation *d)
{
    if (d) {
        int saved_errno = errno;
        if ((*d->pprev = d->next))
            d->next->pprev = d->pprev;
        drop (d, NULL);
        flux_watcher_destroy (d->deadline_w);
        flux_watcher_destroy (d->retry_w);
        flux_future_destroy (d->f_J);
        flux_future_destroy (d->f_commit);
        flux_future_destroy (d->f_exec);
        json_decref (d->others);
        json_decref (d->R);
        route_destroy (d->route);
        free (d->label);
        free (d->deadline_why);
        free (d->exc_type);
        free (d->exc_note);
        free (d);
        errno = saved_errno;
    }
}

struct delegation *delegation_create (struct delegation_env *env,
                                      flux_jobid_t id,
                                      uint32_t userid,
                                      int urgency,
                                      struct route *route)
{
    struct delegation *d;
    flux_reactor_t *r = flux_get_reactor (env->h);

    if (!(d = calloc (1, sizeof (*d))))
        return NULL;
    d->env = env;
    d->id = id;
    d->userid = userid;
    d->urgency = urgency;
    d->route = route;
    if ((d->next = env->list))
        d->next->pprev = &d->next;
    d->pprev = &env->list;
    env->list = d;
    if (!(d->others = json_object ())
        || !(d->deadline_w = flux_timer_watcher_create (r, 0., 0., deadline_cb, d))
        || !(d->retry_w = flux_timer_watcher_create (r, 0., 0., retry_cb, d))) {
        delegation_destroy (d);
        return NULL;
    }
    return d;
}

// vi:ts=4 sw=4 expandtab
