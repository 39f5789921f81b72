/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_env.c - what the delegations share: the map of jobs, and
 * per target a lane
 *
 * Every report is for one job (by id: the map) or for one target (its
 * lane), so no report costs work in proportion to the jobs in flight:
 *
 *   job report (targets_ops.job_report)
 *            ──> the delegation of that id, if its current copy is on
 *                that target (a report of an abandoned copy is dropped);
 *                for siblings, any copy of it there not dropped
 *   link up/down (targets_ops.link_state)
 *            ──> each copy on that target (the lane's list)
 *   a slot freed on a target
 *            ──> soon (a zero-delay timer), the jobs waiting for it:
 *                oldest first, those that named it and those routed by
 *                a policy, until the target is full again
 *
 * A lane is made for a target the first time a copy goes there, and
 * lives as long as the env.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delegation_impl.h"

/* ---- lanes and copies ---- */

struct lane *lane_of (struct delegation_env *env, struct target *tg)
{
    void **user = target_user (tg);
    struct lane *lane = *user;

    if (!lane && (lane = calloc (1, sizeof (*lane)))) {
        lane->env = env;
        lane->tg = tg;
        lane->next = env->lanes;
        env->lanes = lane;
        *user = lane;
    }
    return lane;
}

/* The targets are gone already (their links first, so that no report
 * comes to a lane freed here).
 */
static void lanes_destroy (struct delegation_env *env)
{
    while (env->lanes) {
        struct lane *lane = env->lanes;
        env->lanes = lane->next;
        free (lane);
    }
}

const char *copy_uri (struct rcopy *c)
{
    return target_uri (c->lane->tg);
}

struct link *copy_link (struct rcopy *c)
{
    return target_link (c->lane->tg);
}

struct rcopy *copy_add (struct delegation *d, struct target *tg, const char *label)
{
    struct rcopy *c;
    struct lane *lane;

    if (!(lane = lane_of (d->env, tg)) || !(c = calloc (1, sizeof (*c))))
        return NULL;
    if (label && !(c->label = strdup (label))) {
        free (c);
        return NULL;
    }
    c->d = d;
    c->lane = lane;
    c->next = d->copies;
    d->copies = c;
    if ((c->lane_next = lane->copies))
        c->lane_next->lane_pprev = &c->lane_next;
    c->lane_pprev = &lane->copies;
    lane->copies = c;
    return c;
}

void copy_drop (struct rcopy *c, const char *cancel_reason)
{
    if (!c->dropped) {
        c->dropped = true;
        (void)link_drop (copy_link (c), c->d->id, cancel_reason);
    }
}

void copy_remove (struct rcopy *c)
{
    struct rcopy **pp = &c->d->copies;

    copy_drop (c, NULL);
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp)
        *pp = c->next;
    if ((*c->lane_pprev = c->lane_next))
        c->lane_next->lane_pprev = c->lane_pprev;
    if (c->slot)
        lane_slot_release (c->lane);
    json_decref (c->R);
    free (c->label);
    free (c);
}

void copy_make_current (struct rcopy *c)
{
    struct rcopy **pp = &c->d->copies;

    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = c->next;
        c->next = c->d->copies;
        c->d->copies = c;
    }
}

/* ---- waiting for a slot ---- */

/* In job id order (submission order): from the tail, as a job waits
 * mostly after those submitted before it.
 */
void wait_enqueue (struct delegation *d, struct wait_queue *q)
{
    struct delegation *after = q->tail;

    while (after && after->id > d->id)
        after = after->wait_prev;
    d->wait_queue = q;
    d->wait_prev = after;
    d->wait_next = after ? after->wait_next : q->head;
    if (d->wait_next)
        d->wait_next->wait_prev = d;
    else
        q->tail = d;
    if (after)
        after->wait_next = d;
    else
        q->head = d;
}

void wait_unlink (struct delegation *d)
{
    struct wait_queue *q = d->wait_queue;

    if (!q)
        return;  // not queued
    if (d->wait_prev)
        d->wait_prev->wait_next = d->wait_next;
    else
        q->head = d->wait_next;
    if (d->wait_next)
        d->wait_next->wait_prev = d->wait_prev;
    else
        q->tail = d->wait_prev;
    d->wait_next = d->wait_prev = NULL;
    d->wait_queue = NULL;
}

void lane_slot_release (struct lane *lane)
{
    struct delegation_env *env = lane->env;
    const struct host *host = &env->host;

    targets_slot_release (lane->tg);
    if (!lane->waiting.head && !env->waiting.head)
        return;  // nobody waits
    lane->wake = true;
    if (!host->ops->timer_armed (host->h, env->wake_timer))
        host->ops->timer_arm (host->h, env->wake_timer, 0.);
}

/* While the target of 'lane' has a free slot, send the oldest job that
 * waits for it: one that named it, or one routed by a policy.  A job of
 * a policy that waits again (every target it may still use is full)
 * ends the policy jobs' turn here.
 */
static void wake_lane (struct delegation_env *env, struct lane *lane)
{
    bool policy_turn = true;

    lane->wake = false;
    while (!targets_full (env->targets, lane->tg)) {
        struct delegation *named = lane->waiting.head;
        struct delegation *any = policy_turn ? env->waiting.head : NULL;
        struct delegation *d;
        flux_jobid_t id;

        if (!named && !any)
            break;
        d = !any || (named && named->id < any->id) ? named : any;
        id = d->id;
        delegation_prepare (d);
        if ((d = delegation_lookup (env, id)) && d->state == D_WAIT) {
            if (d == named)
                break;  // its target is full after all
            policy_turn = false;
        }
    }
}

void wake_timer_cb (void *arg)
{
    struct delegation_env *env = arg;

    for (struct lane *lane = env->lanes; lane; lane = lane->next)
        if (lane->wake)
            wake_lane (env, lane);
}

/* ---- what the targets report ---- */

static void job_report (struct target *tg, const struct link_report *rep, void *arg)
{
    struct delegation_env *env = arg;
    struct delegation *d = delegation_lookup (env, rep->srcid);
    struct rcopy *c = d ? d->copies : NULL;

    while (c && (c->lane->tg != tg || c->dropped))
        c = c->next;
    if (!c)
        return;
    if (siblings_offered (d))
        siblings_report (d, c, rep);
    else if (c == current_copy (d))
        delegation_report (d, rep);
}

static void link_state (struct target *tg, bool up, const char *why, void *arg)
{
    struct lane *lane = *target_user (tg);
    struct rcopy *c;
    struct rcopy *next;

    for (c = lane ? lane->copies : NULL; c; c = next) {
        next = c->lane_next;  // a failure may remove the copy
        if (c == current_copy (c->d) && !c->dropped)
            delegation_link_state (c->d, up, why);
    }
}

static void orphan (struct target *tg,
                    flux_jobid_t srcid,
                    flux_jobid_t remote_id,
                    const char *why,
                    void *arg)
{
    struct delegation_env *env = arg;
    char msg[512];

    snprintf (msg,
              sizeof (msg),
              "delegate: %s: job %ju, left there by source job %ju whose "
              "submission answer was lost: %s",
              target_uri (tg),
              (uintmax_t)remote_id,
              (uintmax_t)srcid,
              why ? why : "cancelled");
    env->host.ops->log (env->host.h, why ? LOG_ERR : LOG_INFO, msg);
}

static const struct targets_ops targets_ops = {
    .job_report = job_report,
    .link_state = link_state,
    .orphan = orphan,
};

/* ---- the env ---- */

struct targets *delegation_env_targets (struct delegation_env *env)
{
    return env->targets;
}

json_t *delegation_env_query (struct delegation_env *env)
{
    json_t *o = json_object ();

    for (int s = 0; o && s < D_NSTATES; s++) {
        json_t *n;
        if (env->count[s] > 0
            && (!(n = json_integer (env->count[s]))
                || json_object_set_new (o, dstate_name (s), n) < 0)) {
            json_decref (o);
            return NULL;
        }
    }
    return o;
}

void delegation_env_destroy (struct delegation_env *env)
{
    if (env) {
        const struct host *host = &env->host;
        int saved_errno = errno;
        targets_destroy (env->targets);  // no report after this
        lanes_destroy (env);
        host->ops->timer_destroy (host->h, env->wake_timer);
        host->ops->timer_destroy (host->h, env->settle_timer);
        idmap_destroy (env->byid);
        free (env);
        errno = saved_errno;
    }
}

struct delegation_env *delegation_env_create (const struct host *host,
                                              const struct delegation_env_params *p)
{
    struct delegation_env *env;

    if (!host || !host->ops || !p) {
        errno = EINVAL;
        return NULL;
    }
    if (!(env = calloc (1, sizeof (*env))))
        return NULL;
    env->host = *host;
    env->link_timeout = p->link_timeout;
    env->lease = p->lease;
    env->origin = p->origin;
    env->owner = p->owner;
    env->settle_tail = &env->settle_head;
    if (!(env->byid = idmap_create ())
        || !(env->wake_timer = host->ops->timer_create (host->h, wake_timer_cb, env))
        || !(env->settle_timer =
                 host->ops->timer_create (host->h, settle_timer_cb, env))
        || !(env->targets = targets_create (&p->targets, &targets_ops, env))) {
        delegation_env_destroy (env);
        return NULL;
    }
    return env;
}

// vi:ts=4 sw=4 expandtab
