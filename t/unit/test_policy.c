/* SPDX-License-Identifier: LGPL-3.0 */

/* test_policy.c - the routing policies over snapshots of targets
 */

#include <stdlib.h>
#include <string.h>

#include "src/plugin/policy.h"
#include "tap.h"
#include "tap_rsummary.h"

#define MAXT 16

struct setup {
    struct target_view t[MAXT];
    bool tried[MAXT];
    int count;
    struct job_shape shape;
    unsigned int random;
    unsigned int rr;
    flux_error_t error;
};

/* 'count' targets, all up with metrics, no jobs, match time unknown,
 * 4 idle nodes of 8 cores each.
 */
static void setup_init (struct setup *s, int count)
{
    memset (s, 0, sizeof (*s));
    s->count = count;
    for (int i = 0; i < MAXT; i++) {
        s->t[i].up = true;
        s->t[i].have_metrics = true;
        s->t[i].match_time = -1.;
        s->t[i].total = summary ("[[4,8,0]]");
        s->t[i].free = summary ("[[4,8,0]]");
    }
    s->shape = (struct job_shape){0, 1, 1, 0};
}

static int choose_quiet (struct setup *s, enum delegate_policy policy, int assign)
{
    struct delegate_request req = {
        .kind = DELEGATE_POLICY,
        .policy = policy,
        .assign = assign,
        .text = "test",
    };
    struct policy_input in = {
        .req = &req,
        .targets = s->t,
        .count = s->count,
        .tried = s->tried,
        .shape = &s->shape,
        .random = s->random,
        .rr_next = &s->rr,
    };

    s->error.text[0] = '\0';
    return policy_choose (&in, &s->error);
}

static int choose (struct setup *s, enum delegate_policy policy, int assign)
{
    int i = choose_quiet (s, policy, assign);
    if (i < 0)
        printf ("#   error: %s\n", s->error.text);
    return i;
}

static int fails_with (struct setup *s,
                       enum delegate_policy policy,
                       int assign,
                       const char *msg)
{
    int i = choose_quiet (s, policy, assign);

    if (i != -1 || !strstr (s->error.text, msg))
        printf ("#   chose %d, error: %s\n", i, s->error.text);
    return i == -1 && strstr (s->error.text, msg) != NULL;
}

/* Every target has been tried: a result code of its own, with a message.
 */
static bool exhausted (struct setup *s, enum delegate_policy policy, int assign)
{
    int i = choose_quiet (s, policy, assign);

    if (i != POLICY_EXHAUSTED)
        printf ("#   chose %d, error: %s\n", i, s->error.text);
    return i == POLICY_EXHAUSTED
           && strstr (s->error.text, "every target has been tried") != NULL;
}

static void test_random (void)
{
    struct setup s;

    setup_init (&s, 4);
    for (unsigned int r = 0; r < 8; r++) {
        s.random = r;
        ok (choose (&s, POLICY_RANDOM, 0) == (int)(r % 4),
            "random %u of 4: %u",
            r,
            r % 4);
    }

    s.tried[1] = true;
    s.random = 1;
    ok (choose (&s, POLICY_RANDOM, 0) == 2, "random 1 of untried {0,2,3}: 2");
    s.random = 4;
    ok (choose (&s, POLICY_RANDOM, 0) == 2, "random 4 of untried {0,2,3}: 2");
    s.random = 2;
    ok (choose (&s, POLICY_RANDOM, 0) == 3, "random 2 of untried {0,2,3}: 3");
    s.random = 3;
    ok (choose (&s, POLICY_RANDOM, 0) == 0, "random 3 of untried {0,2,3}: 0");
    s.random = 4294967295u;
    ok (choose (&s, POLICY_RANDOM, 0) == 0,
        "random UINT_MAX of 3 (2^32-1 %% 3 = 0): 0");

    setup_init (&s, 4);
    s.t[0].up = false;
    s.t[2].up = false;
    s.random = 0;
    ok (choose (&s, POLICY_RANDOM, 0) == 1, "random 0 of up {1,3}: 1");
    s.random = 1;
    ok (choose (&s, POLICY_RANDOM, 0) == 3, "random 1 of up {1,3}: 3");
    s.random = 2;
    ok (choose (&s, POLICY_RANDOM, 0) == 1, "random 2 of up {1,3}: 1");
    s.tried[1] = true;
    s.random = 7;
    ok (choose (&s, POLICY_RANDOM, 0) == 3, "the only untried up target is taken");
    s.tried[3] = true;
    s.random = 1;
    ok (choose (&s, POLICY_RANDOM, 0) == 2,
        "up targets all tried: random 1 of down {0,2}: 2");
    s.tried[0] = s.tried[2] = true;
    ok (exhausted (&s, POLICY_RANDOM, 0), "random: every target has been tried");
}

static void test_assign (void)
{
    struct setup s;

    setup_init (&s, 4);
    ok (choose (&s, POLICY_ASSIGN, 0) == 0, "assign:0 is 0");
    ok (choose (&s, POLICY_ASSIGN, 2) == 2, "assign:2 is 2");
    ok (choose (&s, POLICY_ASSIGN, 3) == 3, "assign:3 is 3");
    s.t[2].up = false;
    s.t[2].pending = 100;
    ok (choose (&s, POLICY_ASSIGN, 2) == 2,
        "assign:2 is 2 even when it is down and busy");

    s.tried[2] = true;
    ok (choose (&s, POLICY_ASSIGN, 2) == 3, "assign:2, 2 tried: 3");
    s.tried[3] = true;
    ok (choose (&s, POLICY_ASSIGN, 2) == 0, "assign:2, 2-3 tried: wraps to 0");
    s.tried[0] = true;
    ok (choose (&s, POLICY_ASSIGN, 2) == 1, "assign:2, 0 and 2-3 tried: 1");
    ok (choose (&s, POLICY_ASSIGN, 0) == 1, "assign:0, 0 and 2-3 tried: 1");
    s.tried[1] = true;
    ok (exhausted (&s, POLICY_ASSIGN, 2), "assign:2: every target has been tried");

    setup_init (&s, 4);
    ok (fails_with (&s, POLICY_ASSIGN, 4, "assign:4 is out of range")
            && strstr (s.error.text, "0 to 3"),
        "assign:4 of 4 targets is out of range (%s)",
        s.error.text);
    ok (fails_with (&s, POLICY_ASSIGN, 100, "0 to 3"), "assign:100 is out of range");
    setup_init (&s, 1);
    ok (fails_with (&s, POLICY_ASSIGN, 1, "0 to 0"), "assign:1 of 1 target: 0 to 0");
    ok (choose (&s, POLICY_ASSIGN, 0) == 0, "assign:0 of 1 target: 0");
    setup_init (&s, 0);
    ok (fails_with (&s, POLICY_ASSIGN, 0, "no targets"),
        "assign:0 with no targets (%s)",
        s.error.text);
}

static void test_round_robin (void)
{
    struct setup s;
    int i;

    setup_init (&s, 3);
    i = choose (&s, POLICY_ROUND_ROBIN, 0);
    ok (i == 0 && s.rr == 1, "round_robin first: 0, next 1");
    i = choose (&s, POLICY_ROUND_ROBIN, 0);
    ok (i == 1 && s.rr == 2, "round_robin: 1, next 2");
    i = choose (&s, POLICY_ROUND_ROBIN, 0);
    ok (i == 2 && s.rr == 3, "round_robin: 2, next 3");
    i = choose (&s, POLICY_ROUND_ROBIN, 0);
    ok (i == 0 && s.rr == 1, "round_robin wraps: 0, next 1");

    s.tried[1] = true;
    i = choose (&s, POLICY_ROUND_ROBIN, 0);
    ok (i == 2 && s.rr == 3, "round_robin skips tried 1: 2, next 3");
    s.rr = 5;
    i = choose (&s, POLICY_ROUND_ROBIN, 0);
    ok (i == 2 && s.rr == 3, "round_robin from 5 of 3: 2");
    s.tried[2] = true;
    s.rr = 2;
    i = choose (&s, POLICY_ROUND_ROBIN, 0);
    ok (i == 0 && s.rr == 1, "round_robin from 2, 1-2 tried: 0");
    s.tried[0] = true;
    s.rr = 2;
    ok (exhausted (&s, POLICY_ROUND_ROBIN, 0) && s.rr == 2,
        "round_robin: every target tried, state unchanged");
    setup_init (&s, 0);
    ok (fails_with (&s, POLICY_ROUND_ROBIN, 0, "no targets are configured"),
        "round_robin with no targets");
}

static void test_least_pending (void)
{
    struct setup s;

    setup_init (&s, 4);
    s.t[0].pending = 5;
    s.t[1].pending = 2;
    s.t[2].pending = 7;
    s.t[3].pending = 2;
    ok (choose (&s, POLICY_LEAST_PENDING, 0) == 1, "least_pending: 1 (tie with 3)");
    s.tried[1] = true;
    ok (choose (&s, POLICY_LEAST_PENDING, 0) == 3, "least_pending, 1 tried: 3");
    s.t[3].up = false;
    ok (choose (&s, POLICY_LEAST_PENDING, 0) == 0,
        "least_pending: up 0 (5 pending) before down 3 (2 pending)");
    s.t[0].up = false;
    s.t[2].up = false;
    ok (choose (&s, POLICY_LEAST_PENDING, 0) == 3,
        "least_pending, all down: fewest pending, 3");
    s.t[2].up = true;
    ok (choose (&s, POLICY_LEAST_PENDING, 0) == 2,
        "least_pending: the only up target, 2 (7 pending)");

    setup_init (&s, 2);
    s.t[0].pending = 3;
    s.t[1].have_metrics = false;
    s.t[1].pending = 99;
    ok (choose (&s, POLICY_LEAST_PENDING, 0) == 1,
        "least_pending: a target without metrics counts as 0 pending");
    s.t[0].pending = 0;
    ok (choose (&s, POLICY_LEAST_PENDING, 0) == 0,
        "least_pending: 0 pending and no metrics tie, lowest index");
    s.tried[0] = s.tried[1] = true;
    ok (exhausted (&s, POLICY_LEAST_PENDING, 0),
        "least_pending: every target has been tried");
}

static void test_shortest_match (void)
{
    struct setup s;

    setup_init (&s, 4);
    s.t[0].match_time = 0.5;
    s.t[1].match_time = 0.2;
    s.t[2].match_time = 0.3;
    ok (choose (&s, POLICY_SHORTEST_MATCH, 0) == 1, "shortest_match: 0.2 is 1");
    s.t[2].match_time = 0.2;
    ok (choose (&s, POLICY_SHORTEST_MATCH, 0) == 1, "shortest_match tie 1 and 2: 1");
    s.tried[1] = true;
    ok (choose (&s, POLICY_SHORTEST_MATCH, 0) == 2, "shortest_match, 1 tried: 2");
    s.t[2].up = false;
    ok (choose (&s, POLICY_SHORTEST_MATCH, 0) == 0,
        "shortest_match: up 0 (0.5) before down 2 (0.2)");

    setup_init (&s, 3);
    s.t[0].pending = 0;
    s.t[1].pending = 4;
    s.t[1].match_time = 0.9;
    ok (choose (&s, POLICY_SHORTEST_MATCH, 0) == 1,
        "shortest_match: a known match time before an unknown one");
    s.t[2].match_time = 0.;
    ok (choose (&s, POLICY_SHORTEST_MATCH, 0) == 2, "shortest_match: 0 is known");

    setup_init (&s, 3);
    s.t[0].pending = 3;
    s.t[1].pending = 1;
    s.t[2].pending = 2;
    ok (choose (&s, POLICY_SHORTEST_MATCH, 0) == 1,
        "shortest_match, no match time known: least pending, 1");
    s.t[1].up = false;
    ok (choose (&s, POLICY_SHORTEST_MATCH, 0) == 2,
        "shortest_match, no match time known: least pending up, 2");
    s.tried[0] = s.tried[1] = s.tried[2] = true;
    ok (exhausted (&s, POLICY_SHORTEST_MATCH, 0),
        "shortest_match: every target has been tried");
}

static void test_earliest_start (void)
{
    struct setup s;

    setup_init (&s, 4);
    s.shape = (struct job_shape){0, 1, 8, 0};  // a slot of 8 cores
    s.t[0].free = summary ("[[4,4,0]]");       // could hold it, busy
    s.t[1].total = summary ("[[8,4,0]]");      // never: 4 cores per node
    s.t[1].free = summary ("[[8,4,0]]");
    s.t[2].free = summary ("[[1,8,0]]");  // can start it now
    s.t[2].pending = 5;
    s.t[3].free = summary ("[]");
    s.t[3].pending = 1;
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 2,
        "earliest_start: the one that can start now, though it has more pending");
    s.t[3].free = summary ("[[2,8,0]]");
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 3,
        "earliest_start: two can start now, fewer pending wins (3)");
    s.t[3].pending = 5;
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 2,
        "earliest_start: two can start now with as many pending, lowest index");
    s.t[2].up = false;
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 3,
        "earliest_start: can start now, up before down");
    s.tried[3] = true;
    s.t[2].up = true;
    s.t[2].free = summary ("[[4,7,0]]");
    s.t[0].pending = 2;
    s.t[2].pending = 1;
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 2,
        "earliest_start: none can start now, fewest pending (2)");
    s.t[1].pending = 0;
    s.t[1].free = summary ("[[8,4,0]]");
    ok (choose (&s, POLICY_EARLIEST_START, 0) != 1,
        "earliest_start: a target that can never hold it is not chosen");
    s.tried[0] = s.tried[2] = true;
    ok (fails_with (&s, POLICY_EARLIEST_START, 0, "no target can hold the job"),
        "earliest_start: the one left can never hold it (%s)",
        s.error.text);
    s.tried[1] = true;
    ok (exhausted (&s, POLICY_EARLIEST_START, 0),
        "earliest_start: every target has been tried");

    /* targets without metrics yet */
    setup_init (&s, 3);
    s.shape = (struct job_shape){2, 2, 4, 0};
    s.t[0].have_metrics = false;
    s.t[0].total = summary ("[]");
    s.t[0].free = summary ("[]");
    s.t[1].free = summary ("[[1,8,0]]");  // can hold, not start now
    s.t[1].pending = 2;
    s.t[2].free = summary ("[[1,8,0]]");
    s.t[2].pending = 0;
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 0,
        "earliest_start: no metrics counts as can hold, 0 pending, first");
    s.t[2].pending = 0;
    s.t[2].free = summary ("[[2,8,0]]");
    s.t[2].pending = 9;
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 2,
        "earliest_start: can start now before no metrics");

    /* nothing can hold it */
    setup_init (&s, 3);
    s.shape = (struct job_shape){0, 1, 64, 0};
    ok (fails_with (&s, POLICY_EARLIEST_START, 0, "no target can hold the job"),
        "earliest_start: a slot of 64 cores fits nowhere (%s)",
        s.error.text);
    s.shape = (struct job_shape){5, 5, 1, 0};
    ok (fails_with (&s, POLICY_EARLIEST_START, 0, "no target can hold the job"),
        "earliest_start: 5 nodes where each has 4");

    /* GPUs */
    setup_init (&s, 3);
    s.shape = (struct job_shape){0, 2, 1, 1};
    s.t[1].total = summary ("[[2,8,1]]");
    s.t[1].free = summary ("[]");
    s.t[1].pending = 10;
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 1,
        "earliest_start: the only target with GPUs, though busy");
    s.t[1].up = false;
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 1,
        "earliest_start: the only target with GPUs, though down");
}

static void test_sixteen (void)
{
    struct setup s;
    int i;
    int bad;

    setup_init (&s, 16);
    for (i = 0; i < 16; i++)
        s.t[i].pending = 16 - i;
    ok (choose (&s, POLICY_LEAST_PENDING, 0) == 15, "16 targets: least_pending 15");
    s.random = 37;
    ok (choose (&s, POLICY_RANDOM, 0) == 5, "16 targets: random 37 is 5");
    for (i = 0; i < 16; i += 2)
        s.tried[i] = true;
    ok (choose (&s, POLICY_RANDOM, 0) == 11,
        "16 targets, evens tried: random 37 is 11");
    ok (choose (&s, POLICY_ASSIGN, 14) == 15,
        "16 targets, evens tried: assign:14 is 15");
    ok (choose (&s, POLICY_ASSIGN, 15) == 15, "16 targets: assign:15 is 15");
    s.tried[15] = true;
    ok (choose (&s, POLICY_ASSIGN, 15) == 1, "16 targets: assign:15 tried wraps to 1");
    ok (fails_with (&s, POLICY_ASSIGN, 16, "0 to 15"),
        "16 targets: assign:16 out of range");

    memset (s.tried, 0, sizeof (s.tried));
    bad = 0;
    for (i = 0; i < 17; i++)
        if (choose (&s, POLICY_ROUND_ROBIN, 0) != i % 16)
            bad++;
    ok (bad == 0 && s.rr == 1, "16 targets: round_robin 0 .. 15, then 0");

    for (i = 0; i < 16; i++)
        s.t[i].match_time = i == 9 ? 0.01 : 1.;
    ok (choose (&s, POLICY_SHORTEST_MATCH, 0) == 9, "16 targets: shortest_match 9");

    s.shape = (struct job_shape){0, 1, 8, 0};
    for (i = 0; i < 16; i++)
        s.t[i].free = summary (i == 13 ? "[[1,8,0]]" : "[[4,7,0]]");
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 13, "16 targets: earliest_start 13");

    for (i = 0; i < 16; i++)
        s.tried[i] = true;
    ok (exhausted (&s, POLICY_LEAST_PENDING, 0), "16 targets, all tried");
}

static void test_errors (void)
{
    struct setup s;

    setup_init (&s, 0);
    ok (fails_with (&s, POLICY_RANDOM, 0, "no targets are configured"),
        "random with no targets");
    ok (fails_with (&s, POLICY_EARLIEST_START, 0, "no targets are configured"),
        "earliest_start with no targets");
    setup_init (&s, 2);
    ok (fails_with (&s, POLICY_NONE, 0, "no policy given"), "POLICY_NONE is refused");
}

/* A target at its max-jobs is passed over; only full ones left: wait.
 */
static void test_full (void)
{
    struct setup s;

    setup_init (&s, 3);
    s.t[0].full = true;
    ok (choose (&s, POLICY_ASSIGN, 0) == 1, "assign:0 with 0 full goes to 1");
    ok (choose (&s, POLICY_LEAST_PENDING, 0) == 1, "least_pending passes over full 0");
    s.t[1].pending = 5;
    ok (choose (&s, POLICY_EARLIEST_START, 0) == 2,
        "earliest_start passes over full 0");
    s.t[1].full = s.t[2].full = true;
    for (enum delegate_policy p = POLICY_RANDOM; p <= POLICY_EARLIEST_START; p++) {
        ok (choose_quiet (&s, p, 0) == POLICY_WAIT
                && strstr (s.error.text, "max-jobs") != NULL,
            "%s with every target full: wait",
            delegate_policy_name (p));
    }
    s.tried[1] = s.tried[2] = true;
    ok (choose_quiet (&s, POLICY_LEAST_PENDING, 0) == POLICY_WAIT,
        "full 0 untried, 1 and 2 tried: wait for 0");
    s.tried[0] = true;
    ok (exhausted (&s, POLICY_LEAST_PENDING, 0), "all tried: fail, full or not");
    setup_init (&s, 3);
    s.t[0].full = true;
    s.t[1].total = s.t[2].total = summary ("[[1,1,0]]");
    s.shape = (struct job_shape){0, 1, 4, 0};
    ok (choose_quiet (&s, POLICY_EARLIEST_START, 0) == POLICY_WAIT,
        "earliest_start: only the full target can hold the job: wait");
    ok (choose (&s, POLICY_ASSIGN, 5) == -1, "assign out of range still fails");
}

int main (int argc, char **argv)
{
    test_full ();
    test_random ();
    test_assign ();
    test_round_robin ();
    test_least_pending ();
    test_shortest_match ();
    test_earliest_start ();
    test_sixteen ();
    test_errors ();
    return done_testing ();
}
