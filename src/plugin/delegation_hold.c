/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_hold.c - HOLD and WAIT: when a job may be sent and released
 *
 * Part of the state machine drawn at the top of delegation.c.  A job in
 * HOLD is decided on once the callbacks under way are over, so that the
 * plugins called after this one have added their dependencies: it is
 * sent (PREPARE) when it has no other dependency, and its copy is
 * released once it is in DEPEND with none.  The delegations to decide
 * wait, in the order they were queued, in one queue of the
 * delegation_env that a single zero-delay timer empties.  Jobs in WAIT
 * (their target full) go back to PREPARE, oldest first, when a slot
 * frees.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <stdlib.h>
#include <string.h>

#include "delegation_impl.h"

/* Queue 'd' to be decided once the callbacks under way are over.  One
 * queue and one timer for all: a timer of its own would cost each job
 * in flight its memory.
 */
static void settle_later (struct delegation *d)
{
    struct delegation_env *env = d->env;

    if (d->may_run || !(d->in_depend || d->early) || d->settle_pprev)
        return;
    if (!env->settle_head) {
        flux_timer_watcher_reset (env->settle_w, 0., 0.);
        flux_watcher_start (env->settle_w);
    }
    d->settle_next = NULL;
    d->settle_pprev = env->settle_tail;
    *env->settle_tail = d;
    env->settle_tail = &d->settle_next;
}

void settle_unlink (struct delegation *d)
{
    if (d->settle_pprev) {
        if ((*d->settle_pprev = d->settle_next))
            d->settle_next->settle_pprev = d->settle_pprev;
        else
            d->env->settle_tail = d->settle_pprev;
        d->settle_next = NULL;
        d->settle_pprev = NULL;
    }
}

void delegation_dependency_add (struct delegation *d, const char *description)
{
    if (strcmp (description, DELEGATION_DEPENDENCY) != 0
        && (d->others || (d->others = json_object ())))
        (void)json_object_set_new (d->others, description, json_true ());
}

void delegation_dependency_remove (struct delegation *d, const char *description)
{
    (void)json_object_del (d->others, description);
    settle_later (d);
}

void delegation_new (struct delegation *d)
{
    if (json_object_size (d->others) == 0) {
        d->early = true;
        settle_later (d);
    }
}

void delegation_depend (struct delegation *d)
{
    d->in_depend = true;
    settle_later (d);
}

/* The source job may run: a copy already sent, held, is released.
 */
static void may_run (struct delegation *d)
{
    d->may_run = true;
    if ((d->state == D_SUBMIT || d->state == D_PENDING)
        && link_release (d->link, d->id, d->urgency) < 0)
        attempt_failed (d, false, true, "cannot release the remote job");
}

static void settle (struct delegation *d)
{
    bool no_others = json_object_size (d->others) == 0;

    if (d->state == D_RECOVER)
        return;  // its dependencies are not known yet
    if (!d->may_run && d->in_depend && no_others)
        may_run (d);
    if (d->state == D_HOLD) {
        if (no_others && (d->may_run || d->early))
            prepare (d);
    } else
        advance (d);
}

/* Each decision may end a delegation (and free it) or queue one again:
 * take the head each time.
 */
static void settle_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct delegation_env *env = arg;
    struct delegation *d;

    while ((d = env->settle_head)) {
        settle_unlink (d);
        settle (d);
    }
}

static int by_id (const void *a, const void *b)
{
    flux_jobid_t x = (*(struct delegation **)a)->id;
    flux_jobid_t y = (*(struct delegation **)b)->id;
    return x < y ? -1 : x > y;
}

void delegation_wake_all (struct delegation_env *env)
{
    int n = 0;
    struct delegation **waiting;

    if (env->waiting <= 0 || !(waiting = calloc (env->waiting, sizeof (*waiting))))
        return;
    for (struct delegation *d = env->list; d && n < env->waiting; d = d->next)
        if (d->state == D_WAIT)
            waiting[n++] = d;
    qsort (waiting, n, sizeof (*waiting), by_id);
    for (int i = 0; i < n; i++)
        prepare (waiting[i]);
    free (waiting);
}

int delegation_env_init (struct delegation_env *env)
{
    env->list = NULL;
    env->waiting = 0;
    env->settle_head = NULL;
    env->settle_tail = &env->settle_head;
    if (!(env->settle_w = flux_timer_watcher_create (flux_get_reactor (env->h),
                                                     0.,
                                                     0.,
                                                     settle_cb,
                                                     env)))
        return -1;
    return 0;
}

/* The job manager frees the delegations (job aux data) of an unloaded
 * plugin before the plugin itself.
 */
void delegation_env_fini (struct delegation_env *env)
{
    flux_watcher_destroy (env->settle_w);
    env->settle_w = NULL;
}

// vi:ts=4 sw=4 expandtab
