/* SPDX-License-Identifier: LGPL-3.0 */

/* test_route.c - where one job goes, from the configuration and a
 * snapshot of target views alone (no targets, no links, no broker)
 */

#include <stdlib.h>
#include <string.h>

#include "src/plugin/route.h"
#include "tap.h"
#include "tap_json.h"

static const char *jobspec =
    "{\"version\":1,\"resources\":[{\"type\":\"slot\",\"count\":1,"
    "\"label\":\"task\",\"with\":[{\"type\":\"core\",\"count\":1}]}],"
    "\"tasks\":[{\"command\":[\"true\"],\"slot\":\"task\","
    "\"count\":{\"per_slot\":1}}],\"attributes\":{}}";

static struct delegate_conf *conf (void)
{
    json_t *o = load (
        "{\"delegate\":[{\"uri\":\"local:///a\",\"label\":\"a\",\"max-jobs\":1},"
        "{\"uri\":\"local:///b\",\"label\":\"b\"},{\"uri\":\"local:///c\"}]}");
    flux_error_t error;
    struct delegate_conf *dc = delegate_conf_parse (o, &error);

    json_decref (o);
    if (!dc) {
        printf ("Bail out! %s\n", error.text);
        exit (1);
    }
    return dc;
}

static void views_up (struct target_view *v, int n)
{
    memset (v, 0, n * sizeof (*v));
    for (int i = 0; i < n; i++) {
        v[i].up = true;
        v[i].match_time = -1.;
    }
}

static void test_named (struct delegate_conf *dc, json_t *js)
{
    struct route *r;
    struct target_view v[1];
    struct route_choice ch;
    flux_error_t error;
    char err[256];
    unsigned int rr = 0;

    r = route_create ("a", &error);
    ok (r && route_candidates (r, dc, &error) == 1
            && !strcmp (route_candidate (r, 0), "local:///a"),
        "a label has one candidate: its URI");
    views_up (v, 1);
    v[0].full = true;
    ok (route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_WAIT
            && strstr (err, "a is at its max-jobs") && route_attempt (r) == 0,
        "its target full: ROUTE_WAIT, no attempt counted (%s)",
        err);
    v[0].full = false;
    ok (route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_CHOSEN
            && !strcmp (ch.uri, "local:///a") && ch.label && !strcmp (ch.label, "a")
            && route_attempt (r) == 1,
        "a slot free: chosen, with its label, attempt 1");
    ok (!route_can_failover (r), "a label never fails over");
    ok (route_candidates (r, dc, &error) < 0
            && strstr (error.text, "the target failed"),
        "after its one attempt: no candidate (%s)",
        error.text);
    route_destroy (r);

    r = route_create ("local:///b", &error);
    ok (r && route_candidates (r, dc, &error) == 1
            && route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_CHOSEN
            && ch.label && !strcmp (ch.label, "b"),
        "a configured target's URI is that target (label b)");
    route_destroy (r);

    r = route_create ("nosuch", &error);
    ok (r && route_candidates (r, dc, &error) < 0
            && strstr (error.text, "unknown target label 'nosuch'"),
        "an unknown label: %s",
        error.text);
    route_destroy (r);
}

static void test_policy (struct delegate_conf *dc, json_t *js)
{
    struct route *r = NULL;
    struct target_view v[3];
    struct route_choice ch;
    flux_error_t error;
    char err[512];
    unsigned int rr = 0;
    struct delegate_conf *changed;
    int n;

    r = route_create ("assign:1", &error);
    ok (r && (n = route_candidates (r, dc, &error)) == 3,
        "a policy chooses among the configured targets");
    views_up (v, 3);
    ok (route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_CHOSEN
            && !strcmp (ch.uri, "local:///b"),
        "assign:1 is b");
    route_failed (r, "refused");
    ok (route_can_failover (r), "a policy may fail over");
    changed = delegate_conf_copy (dc);
    changed->count = 1;  // the configuration changes meanwhile
    ok (route_candidates (r, changed, &error) == 3
            && !strcmp (route_candidate (r, 2), "local:///c"),
        "later attempts keep the snapshot taken at the first");
    changed->count = 3;
    delegate_conf_destroy (changed);
    ok (route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_CHOSEN
            && !strcmp (ch.uri, "local:///c") && !ch.label,
        "the next after b is c (no label)");
    route_failed (r, "no answer");
    v[0].full = true;
    ok (route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_WAIT,
        "only a full target left: ROUTE_WAIT (%s)",
        err);
    v[0].full = false;
    ok (route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_CHOSEN
            && !strcmp (ch.uri, "local:///a") && route_attempt (r) == 3,
        "its slot free: a, attempt 3");
    route_failed (r, "alloc");
    ok (route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_NONE
            && !strcmp (err,
                        "all targets failed: a (local:///a): alloc; "
                        "b (local:///b): refused; local:///c: no answer"),
        "every target tried: ROUTE_NONE with each reason: %s",
        err);
    route_destroy (r);
}

/* The jobs of a policy share the configuration of their time as their
 * snapshot; it outlives its owner's reference (a configuration replaced)
 * and is freed with the last (valgrind shows a leak or a double free).
 */
static void test_shared (void)
{
    struct delegate_conf *dc = conf ();
    flux_error_t error;
    struct route *r1 = route_create ("round_robin", &error);
    struct route *r2 = route_create ("least_pending", &error);

    ok (r1 && r2 && route_candidates (r1, dc, &error) == 3
            && route_candidates (r2, dc, &error) == 3 && dc->shared == 2,
        "two jobs of policies share the configuration as their snapshot");
    delegate_conf_destroy (dc);  // replaced: its owner lets go
    ok (dc->shared == 1 && !strcmp (route_candidate (r1, 2), "local:///c")
            && !strcmp (route_candidate (r2, 0), "local:///a"),
        "the snapshot outlives its owner's reference");
    route_destroy (r1);
    route_destroy (r2);  // the last reference frees it
}

/* A target that cannot take the job (another user's, to a target that
 * does not accept) is never chosen, its reason listed with the others.
 */
static void test_refusal (struct delegate_conf *dc, json_t *js)
{
    struct route *r = route_create ("round_robin", NULL);
    struct route *named = route_create ("b", NULL);
    struct target_view v[3];
    struct route_choice ch;
    flux_error_t error;
    char err[512];
    unsigned int rr = 0;

    views_up (v, 3);
    v[0].refusal = v[2].refusal = "does not accept other users' jobs";
    ok (r && route_candidates (r, dc, &error) == 3
            && route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_CHOSEN
            && !strcmp (ch.uri, "local:///b") && route_attempt (r) == 1,
        "a policy skips the targets that refuse the job: b, attempt 1");
    route_failed (r, "no answer");
    ok (route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_NONE
            && strstr (err, "a (local:///a): does not accept other users' jobs")
            && strstr (err, "b (local:///b): no answer"),
        "then none is left, each reason listed: %s",
        err);
    v[0].refusal = NULL;
    v[1].refusal = "has no such queue";
    ok (named && route_candidates (named, dc, &error) == 1
            && route_choose (named, &v[1], js, 0, &rr, &ch, err, sizeof (err))
                   == ROUTE_NONE
            && !strcmp (err, "b: has no such queue"),
        "a named target that refuses: ROUTE_NONE, saying why");
    route_destroy (r);
    route_destroy (named);
}

/* siblings: a round of the accepting targets; with fewer than two,
 * earliest_start for good, said once; at most ROUTE_SIBLING_ROUNDS rounds
 */
static void test_siblings (struct delegate_conf *dc, json_t *js)
{
    struct route *r;
    struct target_view v[3];
    struct route_choice ch, sibs[3];
    flux_error_t error;
    char err[256];
    unsigned int rr = 0;
    char *note;
    int round;

    r = route_create ("siblings:2", &error);
    views_up (v, 3);
    for (int i = 0; i < 3; i++)
        v[i].accepts = true;
    v[0].up = false;  // down: ranked last
    ok (r && route_is_siblings (r) && route_candidates (r, dc, &error) == 3
            && route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_SIBLINGS
            && route_siblings (r, sibs, 3) == 2 && !strcmp (sibs[0].uri, "local:///b")
            && !strcmp (sibs[1].uri, "local:///c") && route_attempt (r) == 1,
        "siblings:2 of three accepting targets: the two best, b and c, round 1");
    ok (route_note (r) == NULL, "no note when offered as siblings");
    for (round = 2; round <= ROUTE_SIBLING_ROUNDS; round++)
        if (route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) != ROUTE_SIBLINGS)
            break;
    ok (round == ROUTE_SIBLING_ROUNDS + 1
            && route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_NONE
            && strstr (err, "no sibling started the job in 3 rounds"),
        "after %d rounds: ROUTE_NONE (%s)",
        ROUTE_SIBLING_ROUNDS,
        err);
    route_destroy (r);

    r = route_create ("siblings", &error);
    views_up (v, 3);
    v[1].accepts = true;
    ok (r && route_candidates (r, dc, &error) == 3
            && route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_CHOSEN
            && !route_is_siblings (r),
        "one accepting target: one target chosen, no longer siblings");
    note = route_note (r);
    ok (note
            && !strcmp (note,
                        "siblings: 1 target accepts sibling jobs, fewer than two:"
                        " delegated as earliest_start"),
        "the note says why: %s",
        note ? note : "(none)");
    free (note);
    ok (route_note (r) == NULL, "the note is given once");
    route_destroy (r);

    r = route_create ("siblings", &error);
    views_up (v, 3);
    v[0].accepts = v[1].accepts = true;
    v[0].full = v[1].full = true;
    ok (r && route_candidates (r, dc, &error) == 3
            && route_choose (r, v, js, 0, &rr, &ch, err, sizeof (err)) == ROUTE_WAIT
            && route_is_siblings (r),
        "two accepting targets, both full: ROUTE_WAIT, still siblings (%s)",
        err);
    route_destroy (r);
}

int main (void)
{
    struct delegate_conf *dc = conf ();
    json_t *js = load (jobspec);

    test_named (dc, js);
    test_policy (dc, js);
    test_refusal (dc, js);
    test_shared ();
    test_siblings (dc, js);
    json_decref (js);
    delegate_conf_destroy (dc);
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
