/* SPDX-License-Identifier: LGPL-3.0 */

/* test_siblings.c - the targets a sibling job is offered to
 * (policy_siblings, policy.h)
 */

#include <stdlib.h>
#include <string.h>

#include "src/plugin/policy.h"
#include "tap.h"
#include "tap_rsummary.h"

#define NT 5

struct setup {
    struct target_view t[NT];
    bool tried[NT];
    struct job_shape shape;
    int out[NT];
    flux_error_t error;
};

/* NT accepting targets, up with metrics, 4 nodes of 8 cores each, all
 * busy, no job pending; the job: one slot of 8 cores.
 */
static void setup_init (struct setup *s)
{
    memset (s, 0, sizeof (*s));
    for (int i = 0; i < NT; i++) {
        s->t[i].up = true;
        s->t[i].accepts = true;
        s->t[i].have_metrics = true;
        s->t[i].match_time = -1.;
        s->t[i].total = summary ("[[4,8,0]]");
        s->t[i].free = summary ("[]");
    }
    s->shape = (struct job_shape){0, 1, 8, 0};
}

/* The siblings chosen, as "i j k", or the result code and error. */
static const char *siblings (struct setup *s, int k)
{
    static char buf[256];
    struct delegate_request req = {.kind = DELEGATE_POLICY, .text = "siblings"};
    struct policy_input in = {
        .req = &req,
        .targets = s->t,
        .count = NT,
        .tried = s->tried,
        .shape = &s->shape,
    };
    int n;

    s->error.text[0] = '\0';
    n = policy_siblings (&in, k, s->out, &s->error);
    buf[0] = '\0';
    if (n <= 0) {
        snprintf (buf, sizeof (buf), "%d: %s", n, s->error.text);
        return buf;
    }
    for (int i = 0; i < n; i++)
        snprintf (buf + strlen (buf),
                  sizeof (buf) - strlen (buf),
                  "%s%d",
                  i ? " " : "",
                  s->out[i]);
    return buf;
}

static bool is (struct setup *s, int k, const char *expected)
{
    const char *got = siblings (s, k);
    if (strcmp (got, expected) != 0)
        printf ("#   got \"%s\", expected \"%s\"\n", got, expected);
    return strcmp (got, expected) == 0;
}

static void test_order (void)
{
    struct setup s;

    setup_init (&s);
    ok (is (&s, 0, "0 1 2 3 4"), "all alike: every accepting target, by index");
    s.t[3].free = summary ("[[1,8,0]]");  // can start it now
    s.t[0].pending = 2;
    s.t[1].pending = 1;
    ok (is (&s, 0, "3 2 4 1 0"),
        "the one that can start it now first, then the fewest pending");
    ok (is (&s, 2, "3 2"), "siblings:2: the two best");
    ok (is (&s, 9, "3 2 4 1 0"), "siblings:K with K above the count: all");
    s.t[4].up = false;
    ok (is (&s, 0, "3 2 1 0 4"), "a target down comes after those up");
}

static void test_excluded (void)
{
    struct setup s;

    setup_init (&s);
    s.t[0].accepts = false;
    s.t[1].total = summary ("[[8,4,0]]");  // never: 4 cores per node
    s.t[2].refusal = "does not accept other users' jobs";
    s.tried[3] = true;
    ok (is (&s, 0, "4"),
        "a plain target, one that can never hold the job, a refusing and a"
        " tried one are left out");
    s.t[4].full = true;
    ok (is (&s, 0, "-2: every accepting target left is at its max-jobs"),
        "only a full one left: wait for a slot");
    s.t[4].accepts = false;
    ok (is (&s, 0, "-1: no target that accepts delegated jobs can hold the job"),
        "none left: an error that says so");
    s.t[4].accepts = true;
    s.t[4].full = false;
    s.t[4].have_metrics = false;
    ok (is (&s, 0, "4"), "a target without metrics yet may hold the job");
}

int main (int argc, char **argv)
{
    test_order ();
    test_excluded ();
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
