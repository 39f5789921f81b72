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
 *    │ ^                                target full │ ^ a slot frees │
 *    │ │ failover: the attempt failed               v │              │
 *    │ └──────────────── (PREPARE, SUBMIT,        WAIT               │
 *    │                    PENDING)                                   │
 *    │                   SUBMIT <── jobspec read, copy sent (held) ──┘
 *    │                      │ remote job id
 *    │                      v
 *    │                   PENDING ── remote R ──> ALLOC ── R committed,
 *    │           (the copy released        (alloc-bypass flag,   │ "alloc"
 *    │            once the job may run)     exec.test update,    │ posted
 *    │                                      dependency removed)  v
 *    │   ┌─ remote "start" seen, output header copied, override ─ RUN
 *    │   v
 *    │ RUNNING ── remote "finish", output copied ──> FINISH (override
 *    │                                          finish, remote status)
 *    └─> RECOVER: after a plugin reload, see delegation_recover.c
 *
 *   siblings[:K]: PREPARE ──> OFFERED ──> GRANTED ──> PENDING (the copy
 *   that started), or back to HOLD for a new round; see
 *   delegation_siblings.c
 *
 *   any state not ended ── failure ─────────> FAILED   (exception raised)
 *                       ── source exception ─> CANCELED (remote cancelled)
 *
 * The legal moves are the table of dstate.c; every change of state goes
 * through delegation_transition(), which refuses (and logs) any other.
 * It also keeps the count of delegations per state, the slots of the
 * targets (held from PREPARE to RUNNING) and the wait queues.
 *
 * PREPARE chooses the target (route.c): the URI or label given, or the
 * one a policy picks.  A configured target may cap its jobs in flight
 * with max-jobs: a job whose target is full, or whose policy finds only
 * full targets left, waits in WAIT (still held in DEPEND) and goes back
 * to PREPARE, oldest job first, when a slot frees (delegation_env.c).
 * An attempt fails when the link cannot connect, the target refuses the
 * job, no answer comes within the link timeout of PREPARE, contact is
 * lost for the link timeout, or the remote job gets an alloc exception
 * before it starts.  A job routed by a policy, not yet out of DEPEND,
 * then goes back to HOLD and PREPARE for the next target (its remote
 * job, if any, is cancelled) and posts delegate::failover {uri, label,
 * attempt, note}; otherwise, or when no target is left, DelegationFailure
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

const char *delegation_state_name (struct delegation *d)
{
    return dstate_name (d->state);
}

bool delegation_ended (struct delegation *d)
{
    return dstate_ended (d->state);
}

void delegation_log (struct delegation *d, int level, const char *fmt, ...)
{
    char msg[512];
    int n;
    va_list ap;

    n = snprintf (msg, sizeof (msg), "delegate: job %ju: ", (uintmax_t)d->id);
    va_start (ap, fmt);
    vsnprintf (msg + n, sizeof (msg) - n, fmt, ap);
    va_end (ap);
    d->env->host.ops->log (d->env->host.h, level, msg);
}

int delegation_transition (struct delegation *d, enum dstate to)
{
    enum dstate from = d->state;
    struct rcopy *c = current_copy (d);

    if (!dstate_legal (from, to)) {
        delegation_log (d,
                        LOG_ERR,
                        "illegal move %s -> %s refused",
                        dstate_name (from),
                        dstate_name (to));
        errno = EINVAL;
        return -1;
    }
    wait_unlink (d);  // if it waited (WAIT)
    d->state = to;
    d->env->count[from]--;
    d->env->count[to]++;
    if (!c || c->slot)
        return 0;  // no copy yet, or a sibling's: it has a slot of its own
    if (dstate_holds_slot (from) && !dstate_holds_slot (to))
        lane_slot_release (c->lane);
    else if (!dstate_holds_slot (from) && dstate_holds_slot (to))
        targets_slot_take (c->lane->tg);
    return 0;
}

int delegation_post (struct delegation *d, const char *name, json_t *context)
{
    const struct host *host = &d->env->host;
    int rc = host->ops->post_event (host->h, d->id, name, context);

    if (rc < 0)
        delegation_log (d, LOG_ERR, "cannot post %s: %s", name, strerror (errno));
    return rc;
}

int delegation_lookup_key (struct delegation *d,
                           struct host_req **reqp,
                           const char *ns,
                           const char *key,
                           host_lookup_f cb)
{
    const struct host *host = &d->env->host;

    *reqp = host->ops->lookup (host->h, ns, key, cb, d);
    return *reqp ? 0 : -1;
}

/* ---- deadlines ---- */

/* Stop the deadline.  Its timer and reason go with it: a job pending
 * on its target, the common case, keeps neither.
 */
void delegation_deadline_stop (struct delegation *d)
{
    const struct host *host = &d->env->host;

    if (d->deadline_timer) {
        host->ops->timer_destroy (host->h, d->deadline_timer);
        d->deadline_timer = NULL;
    }
    free (d->deadline_why);
    d->deadline_why = NULL;
}

static void deadline_cb (void *arg)
{
    struct delegation *d = arg;
    char *why = d->deadline_why;  // ours now: the failure stops the deadline

    d->deadline_why = NULL;
    delegation_attempt_failed (d, FAILED_HERE, REMOTE_CANCEL, why ? why : "no answer");
    free (why);
}

int delegation_deadline_arm (struct delegation *d, const char *fmt, ...)
{
    const struct host *host = &d->env->host;
    char why[256];
    va_list ap;

    if (d->deadline_timer)
        return 0;  // armed already
    va_start (ap, fmt);
    vsnprintf (why, sizeof (why), fmt, ap);
    va_end (ap);
    if (!(d->deadline_timer = host->ops->timer_create (host->h, deadline_cb, d))) {
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_CANCEL,
                         "cannot arm the link timeout: %s",
                         why);
        return -1;  // 'd' may be gone
    }
    d->deadline_why = strdup (why);
    host->ops->timer_arm (host->h, d->deadline_timer, d->env->link_timeout);
    return 0;
}

/* ---- ending a delegation ---- */

static void stop_timers (struct delegation *d)
{
    const struct host *host = &d->env->host;

    delegation_deadline_stop (d);
    if (d->retry_timer)
        host->ops->timer_stop (host->h, d->retry_timer);
}

static const char *abandoned (enum remote_fate fate)
{
    return fate == REMOTE_CANCEL ? "abandoned by the source instance" : NULL;
}

void delegation_fail (
    struct delegation *d, const char *type, enum remote_fate fate, const char *fmt, ...)
{
    const struct host *host = &d->env->host;
    char note[1024];
    va_list ap;

    if (delegation_ended (d) || delegation_transition (d, D_FAILED) < 0)
        return;
    va_start (ap, fmt);
    vsnprintf (note, sizeof (note), fmt, ap);
    va_end (ap);
    stop_timers (d);
    delegation_drop_copies (d, abandoned (fate));
    if (host->ops->raise (host->h, d->id, type, 0, note) < 0)
        delegation_log (d, LOG_ERR, "cannot raise an exception: %s", strerror (errno));
}

void delegation_drop_copies (struct delegation *d, const char *reason)
{
    for (struct rcopy *c = d->copies; c; c = c->next)
        copy_drop (c, reason);
}

/* Raise the remote job's fatal exception, held since it came after the
 * remote job started, so that the source job first finished with the
 * remote wait status.
 */
void delegation_raise_held_exception (struct delegation *d)
{
    delegation_fail (d,
                     d->exc_type,
                     REMOTE_KEEP,
                     "on %s: %s",
                     copy_uri (current_copy (d)),
                     d->exc_note);
}

/* A signal for the source job (flux job kill): the remote job gets it.
 */
void delegation_kill (struct delegation *d, int signum)
{
    struct rcopy *c = current_copy (d);

    if (!delegation_ended (d) && c && c->started && !c->finished)
        (void)link_kill (copy_link (c), d->id, signum);
}

void delegation_exception (struct delegation *d,
                           const char *type,
                           int severity,
                           const char *note)
{
    char reason[512];

    if (severity != 0 || delegation_ended (d)
        || delegation_transition (d, D_CANCELED) < 0)
        return;
    stop_timers (d);
    snprintf (reason,
              sizeof (reason),
              "source job %s: %s",
              type,
              note && *note ? note : "exception");
    delegation_drop_copies (d, reason);
}

void delegation_attempt_failed (struct delegation *d,
                                enum failure_origin origin,
                                enum remote_fate fate,
                                const char *why)
{
    struct rcopy *c = current_copy (d);
    json_t *ctx;

    if (delegation_ended (d) || !c)
        return;
    if (siblings_offered (d)) {
        siblings_fail (d, why);
        return;
    }
    if (!route_can_failover (d->route) || c->started
        || !dstate_legal (d->state, D_HOLD)) {
        delegation_fail (d,
                         "DelegationFailure",
                         fate,
                         "%s%s: %s",
                         origin == FAILED_ON_TARGET ? "on " : "",
                         copy_uri (c),
                         why);
        return;
    }
    if ((ctx = json_pack ("{s:s s:s? s:i s:s}",
                          "uri",
                          copy_uri (c),
                          "label",
                          c->label,
                          "attempt",
                          route_attempt (d->route),
                          "note",
                          why)))
        (void)delegation_post (d, "delegate::failover", ctx);
    json_decref (ctx);
    route_failed (d->route, why);
    stop_timers (d);
    d->env->host.ops->req_cancel (d->env->host.h, d->req_J);  // PREPARE's
    d->req_J = NULL;
    (void)delegation_transition (d, D_HOLD);  // frees its slot there
    copy_drop (c, abandoned (fate));
    copy_remove (c);
    delegation_prepare (d);
}

/* ---- what the link tells ---- */

void delegation_exception_parse (json_t *context,
                                 const char **type,
                                 int *severity,
                                 const char **note)
{
    *type = "exception";
    *severity = 0;
    *note = "";
    (void)json_unpack (context,
                       "{s?s s?i s?s}",
                       "type",
                       type,
                       "severity",
                       severity,
                       "note",
                       note);
}

static void remote_exception (struct delegation *d, json_t *context)
{
    const struct host *host = &d->env->host;
    struct rcopy *c = current_copy (d);
    const char *type, *note;
    int severity;
    char text[1024];

    delegation_exception_parse (context, &type, &severity, &note);
    if (severity != 0) {
        snprintf (text, sizeof (text), "on %s: %s", copy_uri (c), note);
        (void)host->ops->raise (host->h, d->id, type, severity, text);
        return;
    }
    if (!c->started) {
        if (!strcmp (type, "alloc"))
            delegation_attempt_failed (d, FAILED_ON_TARGET, REMOTE_KEEP, note);
        else
            delegation_fail (d, type, REMOTE_KEEP, "on %s: %s", copy_uri (c), note);
        return;
    }
    /* A "finish" with the remote wait status follows: finish the source
     * job with it, then raise this exception (delegation_run.c).
     */
    if (!d->exc_type) {
        d->exc_type = strdup (type);
        d->exc_note = strdup (note);
        if (!d->exc_type || !d->exc_note)
            delegation_fail (d, type, REMOTE_KEEP, "on %s: %s", copy_uri (c), note);
    }
}

static void remote_event (struct delegation *d, json_t *entry)
{
    struct rcopy *c = current_copy (d);
    const char *name;
    json_t *context = NULL;

    if (json_unpack (entry, "{s:s s?o}", "name", &name, "context", &context) < 0)
        return;
    if (!strcmp (name, "exception"))
        remote_exception (d, context);
    else if (!strcmp (name, "start"))
        delegation_remote_started (d);
    else if (!strcmp (name, "finish")) {
        (void)json_unpack (context, "{s:i}", "status", &c->status);
        c->finished = true;
        delegation_advance (d);
    } else if (!strcmp (name, "clean") && d->exc_type && !c->finished)
        delegation_raise_held_exception (d);  // no finish came
}

/* The target took the copy (or, for siblings, the copy started there):
 * say where the job went.
 */
void delegation_submitted (struct delegation *d, flux_jobid_t remote_id)
{
    struct rcopy *c = current_copy (d);
    json_t *submit;
    json_t *memo;

    if (delegation_transition (d, D_PENDING) < 0)
        return;
    c->remote_id = remote_id;
    delegation_deadline_stop (d);
    if ((submit = json_pack ("{s:I s:s s:s? s:i}",
                             "jobid",
                             (json_int_t)remote_id,
                             "uri",
                             copy_uri (c),
                             "label",
                             c->label,
                             "attempt",
                             route_attempt (d->route)))
        && (d->userid == d->env->owner  // else it runs there as its owner
            || json_object_set_new (submit, "userid", json_integer (d->userid)) == 0))
        (void)delegation_post (d, "delegate::submit", submit);
    if ((memo = json_pack ("{s:{s:s}}",
                           "delegate",
                           "target",
                           c->label ? c->label : copy_uri (c))))
        (void)delegation_post (d, "memo", memo);
    json_decref (submit);
    json_decref (memo);
}

void delegation_report (struct delegation *d, const struct link_report *rep)
{
    if (delegation_ended (d))
        return;
    switch (rep->type) {
        case LINK_SUBMITTED:
            delegation_submitted (d, rep->remote_id);
            break;
        case LINK_SUBMIT_FAILED:
        case LINK_LOST:
            delegation_attempt_failed (d,
                                       FAILED_HERE,
                                       rep->type == LINK_LOST ? REMOTE_CANCEL
                                                              : REMOTE_KEEP,
                                       rep->text ? rep->text : "failed");
            break;
        case LINK_EVENT:
            remote_event (d, rep->obj);
            break;
        case LINK_R:
            delegation_take_R (d, rep->obj);
            break;
        case LINK_OUTPUT:
            if (d->out && output_add (d->out, rep->text) < 0)
                delegation_log (d, LOG_ERR, "output: %s", strerror (errno));
            break;
        case LINK_OUTPUT_END:
            if (d->out)
                output_end (d->out, rep->text && *rep->text ? rep->text : NULL);
            break;
        default:
            break;
    }
}

void delegation_link_state (struct delegation *d, bool up, const char *why)
{
    struct rcopy *c = current_copy (d);

    if (delegation_ended (d) || !c || c->remote_id == 0 || d->state == D_OFFERED)
        return;  // siblings: a copy out of reach is one chance less
    if (up)
        delegation_deadline_stop (d);
    else
        delegation_deadline_arm (d,
                                 "lost contact with the target: %s",
                                 why ? why : "down");
}

/* ---- life cycle ---- */

struct delegation *delegation_lookup (struct delegation_env *env, flux_jobid_t id)
{
    return idmap_get (env->byid, id);
}

void delegation_set_hops (struct delegation *d, int hops)
{
    d->hops = hops;
}

void delegation_destroy (struct delegation *d)
{
    if (d) {
        const struct host *host = &d->env->host;
        struct rcopy *c = current_copy (d);
        int saved_errno = errno;

        (void)idmap_remove (d->env->byid, d->id, d);
        if (c && !c->slot && dstate_holds_slot (d->state))
            lane_slot_release (c->lane);
        wait_unlink (d);
        d->env->count[d->state]--;
        while (d->copies)
            copy_remove (d->copies);
        settle_unlink (d);
        delegation_deadline_stop (d);
        if (d->retry_timer)
            host->ops->timer_destroy (host->h, d->retry_timer);
        host->ops->req_cancel (host->h, d->req_J);
        host->ops->req_cancel (host->h, d->req_commit);
        host->ops->req_cancel (host->h, d->req_exec);
        host->ops->req_cancel (host->h, d->req_recover);
        json_decref (d->others);
        json_decref (d->R);
        output_destroy (d->out);
        free (d->recovered);
        route_destroy (d->route);
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

    if (delegation_lookup (env, id)) {
        errno = EEXIST;
        return NULL;
    }
    if (!(d = calloc (1, sizeof (*d))))
        return NULL;
    d->env = env;
    d->id = id;
    d->userid = userid;
    d->urgency = urgency;
    d->state = D_HOLD;
    if (idmap_put (env->byid, id, d) < 0) {
        free (d);
        return NULL;
    }
    d->route = route;
    env->count[D_HOLD]++;
    return d;
}

// vi:ts=4 sw=4 expandtab
