/* SPDX-License-Identifier: LGPL-3.0 */

/* delegation_siblings.c - a job offered to several targets at once
 * (siblings[:K]): the first copy that can start runs it, exactly once
 *
 * Part of the state machine drawn at the top of delegation.c.  PREPARE
 * makes one copy per target of the round (route.h), each holding a slot
 * of its own target (max-jobs) until it goes, and sends each with the
 * lease and a key of its own (the attempt's, "/N"): an accepting target
 * holds its copy once allocated, before it starts, and posts "prolog-start" (the ask),
 * which the link reports.
 *
 *   PREPARE ── copies sent ──> OFFERED
 *     each copy's id ──> delegate::sibling {uri, label, jobid}
 *
 *   OFFERED ── first ask ──> GRANTED: link_grant to it, delegate::grant
 *      │        {uri, label, jobid}; every other copy cancelled,
 *      │        delegate::revoke {uri, label, jobid, note} each
 *      │
 *      ├── a copy ended or failed before its ask ──> delegate::revoke;
 *      │   none left ──> HOLD, and PREPARE for a new round
 *      v
 *   GRANTED ── its "start" ──> PENDING: it is the job's copy from now on
 *      │       (delegate::submit, memo); its R taken as for one target
 *      ├── it ended without starting (the grant came after the lease,
 *      │   so the target cancelled it) ──> delegate::revoke, HOLD, and
 *      │   PREPARE for a new round (at most ROUTE_SIBLING_ROUNDS)
 *      └── contact lost for the link timeout ──> DelegationFailure:
 *          it may have started, a partition never makes a second run
 *
 * Exactly once: a held copy starts only if its grant comes within its
 * lease by the target's clock; otherwise the target cancels it.  A copy
 * is granted only while no other is granted and unresolved, so at most
 * one copy can start per round, and a new round comes only once the
 * granted copy is known to have ended without "start".
 *
 * After a plugin reload or an instance restart (siblings_recover) a
 * grant sent before is not known, so need not be durable: the copies the
 * eventlog lists, not revoked, are followed again.  An ask that may
 * predate the reload (not read live from the target's journal: its
 * backlog, or an eventlog watch) is never granted, and while one is
 * unresolved no other ask is: it resolves within its lease into
 * "start" (it was granted before: the winner) or an end.  An ask read
 * live is new, so no grant for it was sent before: it is granted as
 * usual once no older ask is unresolved.
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delegation_impl.h"
#include "history.h"
#include "jobspec.h"

/* delegate::sibling, ::grant, ::revoke: {uri, label, jobid[, note]}
 */
static void post_copy_event (struct delegation *d,
                             const char *name,
                             struct rcopy *c,
                             const char *note)
{
    json_t *ctx = json_pack ("{s:s s:s?}", "uri", copy_uri (c), "label", c->label);

    if (ctx && c->remote_id
        && json_object_set_new (ctx, "jobid", json_integer (c->remote_id)) < 0) {
        json_decref (ctx);
        ctx = NULL;
    }
    if (ctx && note && json_object_set_new (ctx, "note", json_string (note)) < 0) {
        json_decref (ctx);
        ctx = NULL;
    }
    if (ctx)
        (void)delegation_post (d, name, ctx);
    else
        delegation_log (d, LOG_ERR, "cannot post %s: out of memory", name);
    json_decref (ctx);
}

int siblings_add (struct delegation *d, const struct route_choice *ch, int n)
{
    struct targets *t = d->env->targets;

    for (int i = 0; i < n; i++) {
        struct target *tg;
        struct rcopy *c;
        if (!(tg = targets_get (t, ch[i].uri)) || !(c = copy_add (d, tg, ch[i].label)))
            return -1;
        c->slot = true;
        targets_slot_take (tg);
    }
    d->round = true;
    return 0;
}

void siblings_send (struct delegation *d, const char *jobspec, const char *J)
{
    char key[256] = "";
    struct link_job job = delegation_link_job (d, jobspec, J, key);
    struct rcopy *c = d->copies;
    char attempt[240];
    char *keyed = NULL;  // the jobspec with this copy's key
    int n = 0;

    job.lease = d->env->lease;
    delegation_attempt_key (d, attempt, sizeof (attempt));
    while (c) {
        struct rcopy *next = c->next;
        /* each its own key: two targets may be one instance */
        snprintf (key, sizeof (key), "%s/%d", attempt, ++n);
        free (keyed);
        keyed = NULL;
        if ((jobspec
             && !(job.jobspec = keyed = delegate_jobspec_with_key (jobspec, key)))
            || link_submit (copy_link (c), d->id, &job) < 0) {
            post_copy_event (d, "delegate::revoke", c, strerror (errno));
            copy_remove (c);
        }
        c = next;
    }
    free (keyed);
    if (!d->copies)
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_KEEP,
                         "cannot queue the copies of the job: %s",
                         strerror (errno));
    else
        (void)delegation_transition (d, D_OFFERED);
}

static void maybe_grant (struct delegation *d);

/* A copy went: an ask may be granted now, or, if every copy went, a new
 * round begins (if the route allows one).
 */
static void next_round (struct delegation *d)
{
    if (delegation_ended (d))
        return;
    if (d->copies) {
        maybe_grant (d);
        return;
    }
    d->round = false;
    d->recovering = false;
    delegation_deadline_stop (d);
    if (delegation_transition (d, D_HOLD) == 0)
        delegation_prepare (d);
}

/* Copy 'c' is out of the running, as 'note' says: it ended or failed by
 * itself, or it is revoked (its remote job cancelled with 'cancel').
 */
static void copy_out (struct delegation *d,
                      struct rcopy *c,
                      const char *note,
                      const char *cancel)
{
    post_copy_event (d, "delegate::revoke", c, note);
    copy_drop (c, cancel);
    copy_remove (c);
}

/* Copy 'c' goes because another won ('why').  One revoked before its
 * target answered has no id yet: the link cancels it when the answer
 * comes (rjob.h), and the event says so.
 */
static void copy_revoke (struct delegation *d, struct rcopy *c, const char *why)
{
    char note[600];  // 'why' is of 512 bytes at most

    snprintf (note,
              sizeof (note),
              "%s%s",
              why,
              c->remote_id
                  ? ""
                  : " (before its target answered: cancelled there once it does)");
    copy_out (d, c, note, why);
}

/* The first ask: it may start; every other copy goes.
 */
static void grant (struct delegation *d, struct rcopy *c)
{
    char note[512];
    struct rcopy *o;

    if (link_grant (copy_link (c), d->id) < 0) {
        copy_out (d, c, "cannot send the grant", "cannot send the grant");
        next_round (d);
        return;
    }
    c->granted = true;
    copy_make_current (c);
    (void)delegation_transition (d, D_GRANTED);
    post_copy_event (d, "delegate::grant", c, NULL);
    snprintf (note, sizeof (note), "the copy on %s was granted", copy_uri (c));
    while ((o = c->next))
        copy_revoke (d, o, note);
}

/* Copy 'c' started: it is the job's copy from now on.
 */
static void won (struct delegation *d, struct rcopy *c)
{
    char note[512];
    struct rcopy *o;
    json_t *R = json_incref (c->R);

    copy_make_current (c);
    snprintf (note, sizeof (note), "the job started on %s", copy_uri (c));
    while ((o = c->next))
        copy_revoke (d, o, note);
    d->round = false;
    d->recovering = false;
    c->slot = false;  // the delegation's slot from now on (PENDING)
    targets_slot_release (c->lane->tg);
    delegation_submitted (d, c->remote_id);
    if (d->state == D_PENDING) {
        delegation_remote_started (d);
        if (R)
            delegation_take_R (d, R);  // last: a failure may end 'd'
    }
    json_decref (R);
}

/* Grant an ask, unless an ask from before a reload is unresolved (the
 * plugin then may have granted it).
 */
static void maybe_grant (struct delegation *d)
{
    struct rcopy *c;

    if (d->state != D_OFFERED)
        return;
    for (c = d->copies; c; c = c->next)
        if (c->old_ask)
            return;
    for (c = d->copies; c; c = c->next)
        if (c->asked) {
            grant (d, c);
            return;
        }
}

/* A copy's event; "prolog-start" comes only as the ask (link.h).  After
 * a reload, an ask not seen live may be from before it.
 */
static void copy_event (struct delegation *d, struct rcopy *c, json_t *entry, bool live)
{
    const char *name = "";
    const char *type, *note;
    int severity;
    char why[1024];

    (void)json_unpack (entry, "{s:s}", "name", &name);
    if (!strcmp (name, "prolog-start")) {
        c->asked = true;
        c->old_ask = d->recovering && !live;
        maybe_grant (d);
    } else if (!strcmp (name, "start"))
        won (d, c);
    else if (!strcmp (name, "exception")) {
        delegation_exception_parse (json_object_get (entry, "context"),
                                    &type,
                                    &severity,
                                    &note);
        if (severity != 0)
            return;
        snprintf (why,
                  sizeof (why),
                  "on %s: %s%s%s",
                  copy_uri (c),
                  type,
                  *note ? ": " : "",
                  note);
        copy_out (d, c, why, NULL);
        next_round (d);
    } else if (!strcmp (name, "clean")) {
        snprintf (why, sizeof (why), "on %s: ended without starting", copy_uri (c));
        copy_out (d, c, why, NULL);
        next_round (d);
    }
}

void siblings_report (struct delegation *d,
                      struct rcopy *c,
                      const struct link_report *rep)
{
    char why[1024];

    switch (rep->type) {
        case LINK_SUBMITTED:
            c->remote_id = rep->remote_id;
            delegation_deadline_stop (d);  // the first answer came
            post_copy_event (d, "delegate::sibling", c, NULL);
            break;
        case LINK_SUBMIT_FAILED:
        case LINK_LOST:
            if (c->granted) {  // it may have started
                siblings_fail (d, rep->text ? rep->text : "lost");
                break;
            }
            snprintf (why,
                      sizeof (why),
                      "%s: %s",
                      copy_uri (c),
                      rep->text ? rep->text : "failed");
            copy_out (d, c, why, why);
            next_round (d);
            break;
        case LINK_EVENT:
            copy_event (d, c, rep->obj, rep->live);
            break;
        case LINK_R:
            json_decref (c->R);
            c->R = json_incref (rep->obj);
            break;
        default:
            break;
    }
}

void siblings_fail (struct delegation *d, const char *why)
{
    struct rcopy *c = current_copy (d);

    if (d->state == D_GRANTED && c)
        delegation_fail (d,
                         "DelegationFailure",
                         REMOTE_CANCEL,
                         "%s (granted, its start not seen): %s",
                         copy_uri (c),
                         why);
    else
        delegation_fail (d, "DelegationFailure", REMOTE_CANCEL, "siblings: %s", why);
}

int siblings_recover (struct delegation *d, const struct history *h)
{
    for (int i = 0; i < h->nsiblings; i++) {
        const struct history_sibling *s = &h->siblings[i];
        struct target *tg;
        struct rcopy *c;
        if (s->revoked)
            continue;
        if (!(tg = targets_get (d->env->targets, s->uri))
            || !(c = copy_add (d, tg, s->label[0] ? s->label : NULL))) {
            delegation_fail (d,
                             "DelegationFailure",
                             REMOTE_CANCEL,
                             "%s: cannot follow a sibling after a plugin reload: %s",
                             s->uri,
                             strerror (errno));
            return -1;
        }
        c->remote_id = s->remote_id;
        c->slot = true;
        targets_slot_take (tg);
        if (link_follow (copy_link (c), d->id, s->remote_id, 0, 0) < 0) {
            c->dropped = true;  // the link never had it
            copy_remove (c);
        }
    }
    if (delegation_ended (d))
        return 0;    // the source job ended meanwhile: the caller drops them
    if (!d->copies)  // none could be followed: a new round once it may run
        return delegation_transition (d, D_HOLD);
    d->round = true;
    d->recovering = true;
    return delegation_transition (d, D_OFFERED);
}

// vi:ts=4 sw=4 expandtab
