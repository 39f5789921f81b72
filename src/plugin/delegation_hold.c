/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_hold.c - HOLD: when a job may be sent and released
 *
 * Part of the state machine drawn at the top of delegation.c.  A job in
 * HOLD is decided on once the callbacks under way are over, so that the
 * plugins called after this one have added their dependencies: it is
 * sent (PREPARE) when it has no other dependency, and its copy is
 * released once it is in DEPEND with none.  The delegations to decide
 * wait, in the order they were queued, in one queue of the
 * delegation_env that a single zero-delay timer empties.  (Jobs in WAIT,
 * their target full, are woken by delegation_env.c.)
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
    const struct host *host = &env->host;

    if (d->may_run || !(d->in_depend || d->early) || d->settle_pprev)
        return;
    if (!env->settle_head)
        host->ops->timer_arm (host->h, env->settle_timer, 0.);
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

/* The source job may run: a copy already sent, held, is released (for
 * siblings, every copy).
 */
static void may_run (struct delegation *d)
{
    d->may_run = true;
    if (d->state == D_OFFERED) {
        for (struct rcopy *c = d->copies; c; c = c->next)
            if (!c->dropped && link_release (copy_link (c), d->id, d->urgency) < 0)
                delegation_log (d,
                                LOG_ERR,
                                "cannot release the copy on %s",
                                copy_uri (c));
    } else if ((d->state == D_SUBMIT || d->state == D_PENDING)
               && link_release (copy_link (current_copy (d)), d->id, d->urgency) < 0)
        delegation_attempt_failed (d,
                                   FAILED_HERE,
                                   REMOTE_CANCEL,
                                   "cannot release the remote job");
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
            delegation_prepare (d);
    } else
        delegation_advance (d);
}

/* Each decision may end a delegation or queue one again: take the head
 * each time.
 */
void settle_timer_cb (void *arg)
{
    struct delegation_env *env = arg;
    struct delegation *d;

    while ((d = env->settle_head)) {
        settle_unlink (d);
        settle (d);
    }
}

// vi:ts=4 sw=4 expandtab
