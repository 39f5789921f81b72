/* SPDX-License-Identifier: LGPL-3.0 */

/* test_delegation_siblings.c - a job offered to several targets at once
 * (delegation_siblings.c), driven with a fake host and fake links
 *
 * Each arrow of the diagram there: the copies and their slots, the
 * first ask granted and the others revoked, the start that makes the
 * winner, the granted copy that ends without starting (a new round), the
 * rounds' limit, contact lost with the granted target, a cancel, the
 * fallback with fewer than two accepting targets, and after a reload the
 * asks that may predate it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tap_json.h"
#include "world.h"

#define CONF3                                                          \
    "{\"delegate\":[{\"uri\":\"" A "\",\"label\":\"a\"},{\"uri\":\"" B \
    "\",\"label\":\"b\"},{\"uri\":\"" C "\",\"label\":\"c\"}]}"

#define HELLO_LEASE "{\"accept\":true,\"lease\":true}"
#define HELLO_PLAIN "{\"accept\":false}"
#define ASK \
    "{\"name\":\"prolog-start\",\"context\":{\"description\":\"delegate-lease\"}}"
#define EXPIRED                                                                \
    "{\"name\":\"exception\",\"context\":{\"type\":\"cancel\",\"severity\":0," \
    "\"note\":\"lease\"}}"

static const char *uris[] = {A, B, C};

/* The links are up, and say whether they hold sibling copies. */
static void hello (struct world *w, const char *hello_a, const char *hello_bc)
{
    fake_report (link_of (w, A), LINK_UP, 0, 0, hello_a, NULL);
    fake_report (link_of (w, B), LINK_UP, 0, 0, hello_bc, NULL);
    fake_report (link_of (w, C), LINK_UP, 0, 0, hello_bc, NULL);
}

/* A report of an event read live (or not) from the target's journal. */
static void event_live (struct world *w,
                        struct delegation *d,
                        const char *uri,
                        const char *entry,
                        bool live)
{
    struct fake_link *fl = link_of (w, uri);
    struct link_report rep = {
        .type = LINK_EVENT,
        .srcid = d->id,
        .obj = load (entry),
        .live = live,
    };

    fl->cb (&fl->base, &rep, fl->cb_arg);
    json_decref (rep.obj);
}

static int all_cmds (struct world *w, const char *prefix)
{
    int n = 0;
    for (int i = 0; i < 3; i++)
        n += fake_cmds (link_of (w, uris[i]), prefix);
    return n;
}

/* A siblings job, its copies sent and taken (remote ids 100+i). */
static struct delegation *offered (struct world *w, flux_jobid_t id)
{
    struct delegation *d = job (w, id, "siblings", NULL);

    answer_J (w, d);
    for (int i = 0; i < 3; i++)
        submitted (w, d, uris[i], 100 + 10 * id + i);
    delegation_depend (d);
    fake_run (&w->fh);
    return d;
}

static void test_offer_grant_win (void)
{
    struct world w;
    struct delegation *d;
    json_t *ctx;

    world_init (&w, CONF3);
    hello (&w, HELLO_LEASE, HELLO_LEASE);
    d = job (&w, 1, "siblings", NULL);
    ok (answer_J (&w, d) && !strcmp (state (d), "offered")
            && all_cmds (&w, "submit 1 0") == 3
            && all_cmds (&w, "copy jobspec I/1/1/") == 3
            && fake_cmds (link_of (&w, C), "copy jobspec I/1/1/1 hops=1 lease") == 1
            && fake_cmds (link_of (&w, B), "copy jobspec I/1/1/2 hops=1 lease") == 1
            && fake_cmds (link_of (&w, A), "copy jobspec I/1/1/3 hops=1 lease") == 1,
        "a copy, held, with the lease and a key of its own, to each: OFFERED");
    ok (in_flight (&w, A) == 1 && in_flight (&w, B) == 1 && in_flight (&w, C) == 1,
        "each copy holds a slot of its target");
    for (int i = 0; i < 3; i++)
        submitted (&w, d, uris[i], 110 + i);
    ok (fake_events (&w.fh, 1, "delegate::sibling") == 3
            && (ctx = fake_event_context (&w.fh, 1, "delegate::sibling"))
            && json_integer_value (json_object_get (ctx, "jobid")) == 112,
        "delegate::sibling for each copy, with its remote id");
    delegation_depend (d);
    fake_run (&w.fh);
    ok (all_cmds (&w, "release 1 16") == 3,
        "once the job may run, every copy is released");
    remote_event (&w, d, B, ASK);
    ok (!strcmp (state (d), "granted") && fake_cmds (link_of (&w, B), "grant 1") == 1
            && fake_cmds (link_of (&w, A), "drop 1 the copy on " B " was granted") == 1
            && fake_cmds (link_of (&w, C), "drop 1 the copy on " B " was granted") == 1,
        "the first ask is granted, the other copies cancelled: GRANTED");
    ok (fake_events (&w.fh, 1, "delegate::grant") == 1
            && fake_events (&w.fh, 1, "delegate::revoke") == 2 && in_flight (&w, A) == 0
            && in_flight (&w, C) == 0 && in_flight (&w, B) == 1,
        "delegate::grant and two delegate::revoke; the revoked slots given back");
    remote_event (&w, d, A, ASK);
    ok (fake_cmds (link_of (&w, A), "grant") == 0,
        "a late ask of a revoked copy is not granted");
    fake_report (link_of (&w, B), LINK_R, 1, 0, world_remote_R, NULL);
    ok (!strcmp (state (d), "granted"),
        "its R is kept: the source job stays in DEPEND");
    remote_event (&w, d, B, "{\"name\":\"start\"}");
    ok (!strcmp (state (d), "alloc") && fake_events (&w.fh, 1, "delegate::submit") == 1
            && (ctx = fake_event_context (&w.fh, 1, "memo"))
            && json_object_get (ctx, "delegate"),
        "its start: the winner, delegate::submit and the memo, R taken: ALLOC");
    ok (in_flight (&w, B) == 1, "the winner keeps one slot of its target");
    if (delegation_sched (d))
        answer (&w, d, FAKE_COMMIT, NULL, NULL);
    ok (!strcmp (state (d), "run") || !strcmp (state (d), "running"),
        "then as for one target (%s)",
        state (d));
    world_fini (&w);
}

static void test_late_grant_new_round (void)
{
    struct world w;
    struct delegation *d;

    world_init (&w, CONF3);
    hello (&w, HELLO_LEASE, HELLO_LEASE);
    d = offered (&w, 2);
    remote_event (&w, d, C, ASK);
    ok (!strcmp (state (d), "granted"), "granted on C");
    remote_event (&w, d, C, EXPIRED);
    ok (!strcmp (state (d), "prepare") && answer_J (&w, d)
            && !strcmp (state (d), "offered")
            && all_cmds (&w, "copy jobspec I/2/2/") == 3
            && fake_events (&w.fh, 2, "delegate::revoke") == 3,
        "the granted copy ended without start: a new round of three copies");
    for (int round = 2; round <= 3; round++) {
        char key[64];
        snprintf (key, sizeof (key), "copy jobspec I/2/%d/", round + 1);
        for (int i = 0; i < 3; i++)
            submitted (&w, d, uris[i], 200 + 10 * round + i);
        remote_event (&w, d, A, ASK);
        remote_event (&w, d, A, EXPIRED);
        if (round == 2)
            ok (answer_J (&w, d) && all_cmds (&w, key) == 3,
                "round 3 after another late grant");
    }
    ok (!strcmp (state (d), "failed") && fake_raised (&w.fh, 2, NULL)
            && strstr (fake_raised (&w.fh, 2, NULL), "no sibling started the job in 3"),
        "after 3 rounds: DelegationFailure (%s)",
        fake_raised (&w.fh, 2, NULL));
    ok (in_flight (&w, A) == 0 && in_flight (&w, B) == 0 && in_flight (&w, C) == 0,
        "no slot left taken");
    world_fini (&w);
}

static void test_lost_cancel (void)
{
    struct world w;
    struct delegation *d;
    const char *type = NULL;

    world_init (&w, CONF3);
    hello (&w, HELLO_LEASE, HELLO_LEASE);
    d = offered (&w, 3);
    fake_report (link_of (&w, A), LINK_DOWN, 0, 0, NULL, "gone");
    fake_advance (&w.fh, TIMEOUT + 1);
    ok (!strcmp (state (d), "offered"),
        "OFFERED: a target out of reach is one chance less, no failure");
    remote_event (&w, d, B, ASK);
    fake_report (link_of (&w, B), LINK_DOWN, 0, 0, NULL, "gone");
    fake_advance (&w.fh, TIMEOUT - 1);
    ok (!strcmp (state (d), "granted"), "GRANTED, its target down: waits");
    fake_advance (&w.fh, 2);
    ok (!strcmp (state (d), "failed") && fake_raised (&w.fh, 3, &type)
            && !strcmp (type, "DelegationFailure")
            && strstr (fake_raised (&w.fh, 3, NULL), "granted, its start not seen"),
        "contact lost for the link timeout: DelegationFailure, no new round (%s)",
        fake_raised (&w.fh, 3, NULL));

    d = offered (&w, 4);
    delegation_exception (d, "cancel", 0, "bye");
    ok (!strcmp (state (d), "canceled")
            && all_cmds (&w, "drop 4 source job cancel: bye") == 3,
        "a cancel while OFFERED cancels every copy");
    world_fini (&w);
}

static void test_fallback (void)
{
    struct world w;
    struct delegation *d;
    json_t *ctx;

    world_init (&w, CONF3);
    hello (&w, HELLO_LEASE, HELLO_PLAIN);
    d = job (&w, 5, "siblings", NULL);
    ok (answer_J (&w, d) && !strcmp (state (d), "submit")
            && all_cmds (&w, "submit 5") == 1
            && all_cmds (&w, "copy jobspec I/5/1 hops=1") == 1,
        "one accepting target: one copy, without a lease (SUBMIT)");
    ok ((ctx = fake_event_context (&w.fh, 5, "delegate::siblings"))
            && strstr (json_string_value (json_object_get (ctx, "note")),
                       "fewer than two: delegated as earliest_start"),
        "delegate::siblings says why");
    world_fini (&w);
}

static void test_old_asks (void)
{
    struct world w;
    struct delegation *d;

    world_init (&w, CONF3);
    hello (&w, HELLO_LEASE, HELLO_LEASE);
    d = offered (&w, 6);
    d->recovering = true;  // as siblings_recover leaves it
    event_live (&w, d, A, ASK, false);
    ok (!strcmp (state (d), "offered") && all_cmds (&w, "grant") == 0,
        "after a reload, an ask not read live is not granted");
    event_live (&w, d, B, ASK, true);
    ok (all_cmds (&w, "grant") == 0, "nor a live one while the older is unresolved");
    event_live (&w, d, A, EXPIRED, false);
    ok (!strcmp (state (d), "granted") && fake_cmds (link_of (&w, B), "grant 6") == 1,
        "the older ended without start: the live ask is granted");
    world_fini (&w);

    world_init (&w, CONF3);
    hello (&w, HELLO_LEASE, HELLO_LEASE);
    d = offered (&w, 7);
    d->recovering = true;
    event_live (&w, d, C, ASK, false);
    event_live (&w, d, C, "{\"name\":\"start\"}", false);
    ok (!strcmp (state (d), "pending") && all_cmds (&w, "grant") == 0
            && all_cmds (&w, "drop 7 the job started on " C) == 2,
        "an old ask that starts (granted before the reload) is the winner");
    world_fini (&w);
}

int main (void)
{
    test_offer_grant_win ();
    test_late_grant_new_round ();
    test_lost_cancel ();
    test_fallback ();
    test_old_asks ();
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
