/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation.c - one source job delegated to a target (the state machine)
 *
 * The source job is held in DEPEND by the "delegate" dependency while it
 * waits for its other dependencies and while the remote job is pending.
 * It is then given the remote job's R (alloc-bypass), runs in job-exec's
 * test mode with override, and is started and finished by this plugin
 * when the remote job starts and finishes.
 *
 * The copy is always submitted held (urgency 0) and released with the
 * job's urgency once the job "may run": it is in DEPEND with no other
 * dependency.  A job with no other dependency at job.new is sent then,
 * without waiting for the job manager to commit it and move it to DEPEND
 * (about one event batch, 10 ms); a job with others is sent once they
 * are gone.
 *
 *   HOLD ── no other dependency (at job.new, or once gone) ──> PREPARE
 *                                    target full │  ^ a slot frees    │
 *                                                v  │                 │
 *                                                WAIT                 │
 *   SUBMIT <── jobspec read, copy sent (held) ────────────────────────┘
 *      │ remote job id
 *      v
 *   PENDING ── remote R ──> ALLOC ── R committed, "alloc" posted ──> RUN
 *   (the copy released    (alloc-bypass flag, exec.test update,     │
 *    once the job may run) dependency removed: the job goes to      │
 *                          SCHED and takes R)                       │
 *      ┌─ remote "start" seen, output header copied, override start ┘
 *      v
 *   RUNNING ── remote "finish" ──> FINISH (override finish with the
 *                                  remote wait status)
 *
 *   any state ── failure ──────────> FAILED    (exception raised here)
 *   any state ── source exception ─> CANCELED  (remote job cancelled)
 *   RECOVER: after a plugin reload, see delegation_recover.c
 *
 * PREPARE chooses the target (route.c): the URI or label given, or the
 * one a policy picks.  A configured target may cap its jobs in flight
 * (PREPARE to RUNNING) with max-jobs: a job whose target is full, or
 * whose policy finds only full targets left, waits in WAIT (still held
 * in DEPEND) and goes back to PREPARE, oldest job first, when a slot
 * frees.  An attempt fails when the link cannot connect,
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

#include "delegation_impl.h"

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
    "recover",
    "wait",
};

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

bool delegation_in_flight (struct delegation *d)
{
    return d->state >= D_PREPARE && d->state <= D_RUNNING;
}

/* Every change of state goes through here: it keeps the count of
 * delegations waiting for a slot, and frees the slot of one that leaves
 * its target.
 */
void set_state (struct delegation *d, enum dstate state)
{
    bool was_in_flight = delegation_in_flight (d);

    if (d->state == D_WAIT)
        d->env->waiting--;
    if (state == D_WAIT)
        d->env->waiting++;
    d->state = state;
    if (was_in_flight && !delegation_in_flight (d))
        targets_slot_freed (d->env->targets);
}

int lookup_then (struct delegation *d,
                 flux_future_t **fp,
                 const char *ns,
                 const char *key,
                 flux_continuation_f cb)
{
    if (!(*fp = flux_kvs_lookup (d->env->h, ns, 0, key))
        || flux_future_then (*fp, -1., cb, d) < 0) {
        int saved_errno = errno;
        flux_future_destroy (*fp);
        *fp = NULL;
        errno = saved_errno;
        return -1;
    }
    return 0;
}

/* ---- ending a delegation ---- */

bool ended (struct delegation *d)
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

/* Stop the deadline.  Its timer and reason go with it: a job pending
 * on its target, the common case, keeps neither.
 */
static void deadline_stop (struct delegation *d)
{
    flux_watcher_destroy (d->deadline_w);
    d->deadline_w = NULL;
    free (d->deadline_why);
    d->deadline_why = NULL;
}

static void stop_timers (struct delegation *d)
{
    deadline_stop (d);
    flux_watcher_stop (d->retry_w);
}

/* End the delegation with an exception on the source job.
 * 'cancel' says whether a remote job (if any, now or later) must go.
 */
void fail (struct delegation *d, const char *type, bool cancel, const char *fmt, ...)
{
    char note[1024];
    va_list ap;

    if (ended (d))
        return;
    va_start (ap, fmt);
    vsnprintf (note, sizeof (note), fmt, ap);
    va_end (ap);
    set_state (d, D_FAILED);
    stop_timers (d);
    drop (d, cancel ? "abandoned by the source instance" : NULL);
    if (flux_jobtap_raise_exception (d->env->p, d->id, type, 0, "%s", note) < 0)
        flux_log_error (d->env->h, "delegate: raise exception on job");
}

/* Raise the remote job's fatal exception, held since it came after the
 * remote job started, so that the source job first finished with the
 * remote wait status.
 */
void raise_held_exception (struct delegation *d)
{
    fail (d, d->exc_type, false, "on %s: %s", link_uri (d->link), d->exc_note);
}

/* A signal for the source job (flux job kill): the remote job gets it.
 */
void delegation_kill (struct delegation *d, int signum)
{
    if (!ended (d) && d->remote_started && !d->remote_finished)
        (void)link_kill (d->link, d->id, signum);
}

void delegation_exception (struct delegation *d,
                           const char *type,
                           int severity,
                           const char *note)
{
    char reason[512];

    if (severity != 0 || ended (d))
        return;
    set_state (d, D_CANCELED);
    stop_timers (d);
    snprintf (reason,
              sizeof (reason),
              "source job %s: %s",
              type,
              note && *note ? note : "exception");
    drop (d, reason);
}

/* The current attempt failed, before the remote job started.  A job
 * routed by a policy tries the next target; any other fails.
 * 'on' says whether 'why' comes from the target ("on URI: why").
 */
void attempt_failed (struct delegation *d, bool on, bool cancel, const char *why)
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
    set_state (d, D_HOLD);  // its slot on that target is free
    prepare (d);
}

/* ---- deadlines ---- */

static void deadline_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct delegation *d = arg;
    char *why = d->deadline_why;  // ours now: the failure stops the deadline

    d->deadline_why = NULL;
    attempt_failed (d, false, true, why ? why : "no answer");
    free (why);
}

void deadline_arm (struct delegation *d, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    if (d->deadline_w)
        return;  // armed already
    va_start (ap, fmt);
    vsnprintf (why, sizeof (why), fmt, ap);
    va_end (ap);
    if (!(d->deadline_w = flux_timer_watcher_create (flux_get_reactor (d->env->h),
                                                     d->env->link_timeout,
                                                     0.,
                                                     deadline_cb,
                                                     d))) {
        fail (d, "DelegationFailure", true, "cannot arm the link timeout: %s", why);
        return;
    }
    d->deadline_why = strdup (why);
    flux_watcher_start (d->deadline_w);
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
    else if (!strcmp (name, "start"))
        remote_start_seen (d);
    else if (!strcmp (name, "finish")) {
        (void)json_unpack (context, "{s:i}", "status", &d->remote_status);
        d->remote_finished = true;
        advance (d);
    } else if (!strcmp (name, "clean") && d->exc_type && !d->remote_finished)
        raise_held_exception (d);  // no finish came
}

/* The target took the copy: say where the job went.
 */
static void submitted (struct delegation *d, flux_jobid_t remote_id)
{
    const char *uri = link_uri (d->link);

    d->remote_id = remote_id;
    set_state (d, D_PENDING);
    deadline_stop (d);
    if (flux_jobtap_event_post_pack (d->env->p,
                                     d->id,
                                     "delegate::submit",
                                     "{s:I s:s s:s? s:i}",
                                     "jobid",
                                     (json_int_t)remote_id,
                                     "uri",
                                     uri,
                                     "label",
                                     d->label,
                                     "attempt",
                                     route_attempt (d->route))
            < 0
        || flux_jobtap_event_post_pack (d->env->p,
                                        d->id,
                                        "memo",
                                        "{s:{s:s}}",
                                        "delegate",
                                        "target",
                                        d->label ? d->label : uri)
               < 0)
        flux_log_error (d->env->h, "delegate: job %ju: post events", (uintmax_t)d->id);
}

void delegation_link_report (struct delegation *d, const struct link_report *rep)
{
    if (ended (d))
        return;
    switch (rep->type) {
        case LINK_SUBMITTED:
            submitted (d, rep->remote_id);
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
        case LINK_OUTPUT:
            if (d->out && output_add (d->out, rep->text) < 0)
                flux_log_error (d->env->h,
                                "delegate: job %ju: output",
                                (uintmax_t)d->id);
            break;
        case LINK_OUTPUT_END:
            if (d->out)
                output_end (d->out, rep->text && *rep->text ? rep->text : NULL);
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
        deadline_stop (d);
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
        if (d->state == D_WAIT)
            d->env->waiting--;
        drop (d, NULL);
        settle_unlink (d);
        deadline_stop (d);
        flux_watcher_destroy (d->retry_w);
        flux_future_destroy (d->f_J);
        flux_future_destroy (d->f_commit);
        flux_future_destroy (d->f_exec);
        json_decref (d->others);
        json_decref (d->R);
        output_destroy (d->out);
        flux_future_destroy (d->f_recover);
        free (d->recovered);
        route_destroy (d->route);
        free (d->label);
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
    return d;
}

// vi:ts=4 sw=4 expandtab
