/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_prepare.c - PREPARE: choose the target, read J, send the copy
 *
 * Part of the state machine drawn at the top of delegation.c:
 *
 *   HOLD or WAIT ── route: a target chosen (a slot taken) ──> PREPARE
 *                ── route: its target(s) full ─────────────> WAIT
 *                ── route: no target left ─────────────────> FAILED
 *   PREPARE ── J read, the copy queued on the link ────────> SUBMIT
 *           ── siblings: J read, the copies queued ─────────> OFFERED
 *              (delegation_siblings.c)
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

static void J_cb (void *arg, const char *J, int errnum);
static void prepare_read_J (struct delegation *d);

void delegation_attempt_key (struct delegation *d, char *buf, size_t size)
{
    const char *instance = "";

    (void)json_unpack (d->env->origin, "{s?s}", "instance", &instance);
    snprintf (buf,
              size,
              "%s/%ju/%d",
              instance,
              (uintmax_t)d->id,
              route_attempt (d->route));
}

/* The copy records where it came from: this instance, the job id, and
 * the key and hops of this attempt (an accepting target finds its copy
 * by them).
 */
static json_t *origin_create (struct delegation *d)
{
    json_t *origin = json_deep_copy (d->env->origin);
    char key[256];

    delegation_attempt_key (d, key, sizeof (key));
    if (!origin || json_object_set_new (origin, "jobid", json_integer (d->id)) < 0
        || json_object_set_new (origin, "key", json_string (key)) < 0
        || json_object_set_new (origin, "hops", json_integer (d->hops + 1)) < 0) {
        json_decref (origin);
        return NULL;
    }
    return origin;
}

static json_t *current_jobspec (struct delegation *d)
{
    return d->env->host.ops->jobspec (d->env->host.h, d->id);
}

static char *remote_jobspec (struct delegation *d, const char *J, flux_error_t *errp)
{
    json_t *current;
    json_t *submitted = NULL;
    json_t *origin = NULL;
    json_t *copy = NULL;
    char *s = NULL;

    snprintf (errp->text, sizeof (errp->text), "out of memory");
    if ((current = current_jobspec (d)) && (submitted = delegate_J_jobspec (J, errp))
        && (origin = origin_create (d))
        && (copy = delegate_jobspec_remote (current, submitted, origin, errp)))
        s = json_dumps (copy, JSON_COMPACT);
    json_decref (copy);
    json_decref (origin);
    json_decref (submitted);
    json_decref (current);
    return s;
}

/* The key of this attempt (accept.h) names this instance: its id, from
 * the KVS, is read as the plugin loads (delegate.c).
 */
static bool instance_known (struct delegation *d)
{
    return json_object_get (d->env->origin, "instance") != NULL;
}

/* Another user's job goes as J, unchanged: what it asks that means
 * nothing on the target was refused at submission (request.h); here
 * only that J holds what the job manager has.
 */
static int job_cannot_travel (struct delegation *d, const char *J, flux_error_t *errp)
{
    json_t *submitted = delegate_J_jobspec (J, errp);

    json_decref (submitted);
    return submitted ? 0 : -1;
}

struct link_job delegation_link_job (struct delegation *d,
                                     const char *jobspec,
                                     const char *J,
                                     const char *key)
{
    struct link_job job = {
        .jobspec = jobspec,
        .J = jobspec ? NULL : J,
        .userid = d->userid,
        .urgency = d->urgency,
        .hold = !d->may_run,
        .key = key,
        .hops = d->hops + 1,
        .origin = d->env->origin,
    };
    return job;
}

static int send_copy (struct delegation *d,
                      struct rcopy *c,
                      const char *jobspec,
                      const char *J)
{
    char key[256] = "";
    struct link_job job = delegation_link_job (d, jobspec, J, key);

    delegation_attempt_key (d, key, sizeof (key));
    return link_submit (copy_link (c), d->id, &job);
}

static void J_cb (void *arg, const char *J, int errnum)
{
    struct delegation *d = arg;
    struct rcopy *c = current_copy (d);
    char *s = NULL;
    flux_error_t error;

    d->req_J = NULL;
    if (delegation_ended (d) || !c)
        return;
    if (J && !instance_known (d)) {  // read at load (delegate.c): J again
        prepare_read_J (d);
        return;
    }
    if (!J) {
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_KEEP,
                         "%s: cannot read the job as submitted: %s",
                         copy_uri (c),
                         strerror (errnum));
    } else if (d->userid == d->env->owner ? !(s = remote_jobspec (d, J, &error))
                                          : job_cannot_travel (d, J, &error))
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_KEEP,
                         "%s: cannot prepare the job for the target: %s",
                         copy_uri (c),
                         error.text);
    else if (d->round)
        siblings_send (d, s, J);
    else if (send_copy (d, c, s, J) < 0)
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_KEEP,
                         "%s: cannot queue the job: %s",
                         copy_uri (c),
                         strerror (errno));
    else
        (void)delegation_transition (d, D_SUBMIT);
    free (s);
}

/* Every target of the route is full: wait in WAIT, queued on the target
 * the job named, or with the jobs of policies.
 */
static void wait_for_slot (struct delegation *d)
{
    struct wait_queue *q = &d->env->waiting;  // a policy's: any target
    struct lane *lane;
    struct target *tg;

    if (d->state == D_WAIT)
        return;  // woken, and still waiting: it keeps its place
    if (!route_can_failover (d->route)) {  // the one target it named
        if ((tg = targets_get (d->env->targets, route_candidate (d->route, 0)))
            && (lane = lane_of (d->env, tg)))
            q = &lane->waiting;
        else
            q = NULL;
    }
    if (!q) {
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_KEEP,
                         "cannot wait for a slot: %s",
                         strerror (errno));
        return;
    }
    if (delegation_transition (d, D_WAIT) == 0)
        wait_enqueue (d, q);
}

/* siblings with fewer than two accepting targets: say it goes as
 * earliest_start.
 */
static void post_route_note (struct delegation *d)
{
    char *note = route_note (d->route);
    json_t *ctx;

    if (note && (ctx = json_pack ("{s:s}", "note", note))) {
        (void)delegation_post (d, "delegate::siblings", ctx);
        json_decref (ctx);
    }
    free (note);
}

/* Choose the target of this attempt and make its copy.  Return 0, or
 * -1 if the job waits (WAIT) or failed.
 */
static int choose_target (struct delegation *d)
{
    struct targets *t = d->env->targets;
    struct route_choice choice;
    json_t *jobspec = NULL;
    char err[1024];
    flux_error_t error;
    enum route_result res = ROUTE_NONE;
    struct target *tg;
    int n;

    if ((n = route_candidates (d->route, targets_conf (t), &error)) < 0)
        snprintf (err, sizeof (err), "%s", error.text);
    else if (!(jobspec = current_jobspec (d)))
        snprintf (err, sizeof (err), "cannot read the job");
    else {
        struct target_view views[n + 1];
        const char *queue = delegate_jobspec_queue (jobspec);
        for (int i = 0; i < n; i++) {
            const char *uri = route_candidate (d->route, i);
            targets_view (t, uri, &views[i]);
            /* another user's job goes only where it is accepted */
            views[i].refusal =
                targets_refusal (t, uri, d->userid != d->env->owner, queue);
        }
        res = route_choose (d->route,
                            views,
                            jobspec,
                            (unsigned int)random (),
                            targets_rr_next (t),
                            &choice,
                            err,
                            sizeof (err));
    }
    json_decref (jobspec);
    post_route_note (d);  // before a failure, after which 'd' may be gone
    if (res == ROUTE_WAIT) {
        wait_for_slot (d);
        return -1;
    }
    if (res == ROUTE_SIBLINGS) {
        struct route_choice sibs[n + 1];
        if (siblings_add (d, sibs, route_siblings (d->route, sibs, n)) == 0)
            return 0;
        snprintf (err, sizeof (err), "siblings: %s", strerror (errno));
    }
    if (res == ROUTE_CHOSEN) {
        if ((tg = targets_get (t, choice.uri)) && copy_add (d, tg, choice.label))
            return 0;
        snprintf (err, sizeof (err), "%s: %s", choice.uri, strerror (errno));
    }
    delegation_fail (d, "DelegationFailure", REMOTE_KEEP, "%s", err);
    return -1;
}

static void prepare_read_J (struct delegation *d)
{
    char key[64];

    if (flux_job_kvs_key (key, sizeof (key), d->id, "J") < 0
        || delegation_lookup_key (d, &d->req_J, NULL, key, J_cb) < 0)
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_KEEP,
                         "%s: cannot read the job as submitted: %s",
                         copy_uri (current_copy (d)),
                         strerror (errno));
}

/* 'd' may be gone once it failed here (the exception raised can end the
 * job, and its delegation with it): nothing touches it after a failure.
 */
void delegation_prepare (struct delegation *d)
{
    if (delegation_ended (d) || choose_target (d) < 0
        || delegation_transition (d, D_PREPARE) < 0)
        return;
    if (delegation_deadline_arm (d, "no answer within %gs", d->env->link_timeout) < 0)
        return;  // failed: 'd' may be gone
    prepare_read_J (d);
}

// vi:ts=4 sw=4 expandtab
