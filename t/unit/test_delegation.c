/* SPDX-License-Identifier: LGPL-3.0 */

/* test_delegation.c - the delegation state machine, driven with a fake
 * host and fake links (fake_host.h): no broker, a clock of the test's
 *
 * Every arrow of the diagram in delegation.c, failover across three
 * targets, max-jobs WAIT and its wake order, a cancel in each state, a
 * report for a job that is gone, link down and up while pending and
 * running, the deadlines, an illegal move refused.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"
#include "tap.h"
#include "tap_json.h"

/* ---- every arrow from HOLD to FINISH ---- */

static void test_path (void)
{
    struct world w;
    struct delegation *d;
    struct fake_link *l;
    json_t *ctx;
    struct host_req *req;

    world_init (&w, NULL);
    d = job (&w, 1, A, NULL);
    l = link_of (&w, A);
    is_str (state (d), "prepare", "job.new with no other dependency: HOLD -> PREPARE");
    ok (l && in_flight (&w, A) == 1, "PREPARE takes a slot of the target");
    ok (answer_J (&w, d) && fake_cmds (l, "submit 1 0") == 1,
        "J read: the copy is sent held (urgency 0)");
    ok (fake_cmds (l, "copy jobspec I/1/1 hops=1") == 1,
        "the owner's job goes as a jobspec, with the key of attempt 1, hops 1");
    is_str (state (d), "submit", "PREPARE -> SUBMIT");
    submitted (&w, d, A, 501);
    is_str (state (d), "pending", "SUBMIT -> PENDING on the remote id");
    ctx = fake_event_context (&w.fh, 1, "delegate::submit");
    ok (ctx && json_integer_value (json_object_get (ctx, "jobid")) == 501
            && !strcmp (json_string_value (json_object_get (ctx, "uri")), A)
            && json_integer_value (json_object_get (ctx, "attempt")) == 1,
        "delegate::submit names the remote id, the URI, attempt 1");
    ok (fake_events (&w.fh, 1, "memo") == 1, "and a memo of the target");
    ok (fake_cmds (l, "release") == 0, "the copy stays held until the job may run");
    delegation_depend (d);
    fake_run (&w.fh);
    ok (fake_cmds (l, "release 1 16") == 1, "in DEPEND with no other: released (16)");
    fake_report (l, LINK_R, 1, 501, world_remote_R, NULL);
    is_str (state (d), "alloc", "PENDING -> ALLOC on the remote R");
    ok (fake_calls (&w.fh, "set_flag 1 alloc-bypass") == 1
            && fake_calls (&w.fh, "jobspec_update 1 attributes.system.exec.test") == 1
            && fake_calls (&w.fh, "dependency_remove 1 delegate") == 1,
        "ALLOC: alloc-bypass, exec test mode, the dependency removed");
    ok (delegation_sched (d) != NULL && delegation_sched (d) == NULL,
        "sched gives R once (its commit in flight)");
    ok (answer (&w, d, FAKE_COMMIT, NULL, NULL), "R committed");
    is_str (state (d), "run", "ALLOC -> RUN once R is committed");
    ok (fake_events (&w.fh, 1, "alloc") == 1, "RUN: alloc posted");
    remote_event (&w, d, A, "{\"name\":\"start\"}");
    ok (answer (&w, d, FAKE_LOOKUP, "exec.eventlog", "{}"),
        "remote start: the guest namespace is probed");
    req = fake_req_find (&w.fh, 1, FAKE_OVERRIDE, NULL);
    ok (req && !strcmp (req->event, "start"), "then job-exec is told to start");
    fake_answer (&w.fh, req, NULL, 0);
    is_str (state (d), "running", "RUN -> RUNNING");
    fake_report (l, LINK_OUTPUT, 1, 0, NULL, "{\"name\":\"data\"}");
    remote_event (&w, d, A, "{\"name\":\"finish\",\"context\":{\"status\":256}}");
    is_str (state (d), "running", "a remote finish waits for the output's end");
    fake_report (l, LINK_OUTPUT_END, 1, 0, NULL, "");
    is_str (state (d), "finish", "RUNNING -> FINISH once the output is complete");
    ok (in_flight (&w, A) == 0, "FINISH frees the slot");
    req = fake_req_find (&w.fh, 1, FAKE_OVERRIDE, NULL);
    ok (req && !strcmp (req->event, "finish") && req->status == 256,
        "job-exec is told to finish with the remote status");
    fake_answer (&w.fh, req, NULL, 0);
    ok (!fake_raised (&w.fh, 1, NULL), "no exception on the way");
    ok (query_is (&w, "{\"finish\":1}"), "the query counts one delegation in finish");
    world_fini (&w);
}

/* ---- HOLD while another dependency is outstanding ---- */

static void test_hold (void)
{
    struct world w;
    struct delegation *d;

    world_init (&w, NULL);
    d = job (&w, 2, A, "after-other");
    delegation_depend (d);
    fake_run (&w.fh);
    is_str (state (d), "hold", "another dependency: the job stays in HOLD");
    ok (link_of (&w, A) == NULL, "no link opened while in HOLD");
    delegation_dependency_remove (d, "after-other");
    fake_run (&w.fh);
    is_str (state (d), "prepare", "the dependency gone: HOLD -> PREPARE");
    ok (answer_J (&w, d) && fake_cmds (link_of (&w, A), "submit 2 16") == 1,
        "a job that may run already is sent with its urgency");
    world_fini (&w);
}

/* ---- failover across three targets ---- */

static void test_failover (void)
{
    struct world w;
    struct delegation *d;
    const char *note;
    const char *type = NULL;
    json_t *ctx;

    world_init (&w,
                "{\"delegate\":[{\"uri\":\"" A
                "\",\"label\":\"a\"},"
                "{\"uri\":\"" B
                "\",\"label\":\"b\"},"
                "{\"uri\":\"" C "\",\"label\":\"c\"}]}");
    d = job (&w, 3, "assign:0", NULL);
    answer_J (&w, d);
    fake_report (link_of (&w, A), LINK_SUBMIT_FAILED, 3, 0, NULL, "refused");
    is_str (state (d), "prepare", "attempt 1 refused on a: PREPARE on the next");
    ctx = fake_event_context (&w.fh, 3, "delegate::failover");
    ok (ctx && json_integer_value (json_object_get (ctx, "attempt")) == 1
            && !strcmp (json_string_value (json_object_get (ctx, "label")), "a"),
        "delegate::failover names attempt 1 on a");
    ok (in_flight (&w, A) == 0 && in_flight (&w, B) == 1, "the slot moved from a to b");
    answer_J (&w, d);
    fake_advance (&w.fh, TIMEOUT - 0.1);
    is_str (state (d), "submit", "b: no answer yet before the link timeout");
    fake_advance (&w.fh, 0.2);
    is_str (state (d), "prepare", "b: no answer within the link timeout: on to c");
    ok (fake_cmds (link_of (&w, B), "drop 3 abandoned") == 1,
        "the copy on b is dropped, to be cancelled if it ever appears");
    answer_J (&w, d);
    submitted (&w, d, C, 703);
    remote_event (&w,
                  d,
                  C,
                  "{\"name\":\"exception\",\"context\":{\"type\":\"alloc\","
                  "\"severity\":0,\"note\":\"unsatisfiable\"}}");
    is_str (state (d), "failed", "c: alloc exception, no target left: FAILED");
    note = fake_raised (&w.fh, 3, &type);
    ok (type && !strcmp (type, "DelegationFailure") && note
            && strstr (note, "all targets failed: a (" A "): refused;")
            && strstr (note, "b (" B "): no answer within 5s;")
            && strstr (note, "c (" C "): unsatisfiable"),
        "DelegationFailure lists each target and why: %s",
        note ? note : "");
    ok (fake_events (&w.fh, 3, "delegate::failover") == 3,
        "a failover event for each failed attempt");
    ok (in_flight (&w, A) + in_flight (&w, B) + in_flight (&w, C) == 0,
        "no slot is left held");
    world_fini (&w);
}

/* ---- max-jobs: WAIT, and who goes first ---- */

static void test_wait (void)
{
    struct world w;
    struct delegation *d10, *d30, *d20, *d40;

    world_init (&w,
                "{\"delegate\":[{\"uri\":\"" A "\",\"label\":\"m\",\"max-jobs\":1}]}");
    d10 = job (&w, 10, "m", NULL);
    d30 = job (&w, 30, "m", NULL);
    d40 = job (&w, 40, "round_robin", NULL);
    d20 = job (&w, 20, "m", NULL);
    ok (!strcmp (state (d10), "prepare") && !strcmp (state (d30), "wait")
            && !strcmp (state (d20), "wait") && !strcmp (state (d40), "wait"),
        "max-jobs 1: the first job goes, the others WAIT (named and by policy)");
    ok (query_is (&w, "{\"prepare\":1,\"wait\":3}"), "the query counts them");
    delegation_exception (d10, "cancel", 0, "by user");
    ok (in_flight (&w, A) == 0, "a cancel frees the slot");
    fake_run (&w.fh);
    ok (!strcmp (state (d20), "prepare") && !strcmp (state (d30), "wait")
            && !strcmp (state (d40), "wait"),
        "the slot goes to the oldest job waiting (20, queued after 30)");
    answer_J (&w, d20);
    fake_report (link_of (&w, A), LINK_SUBMIT_FAILED, 20, 0, NULL, "refused");
    fake_run (&w.fh);
    ok (!strcmp (state (d20), "failed") && !strcmp (state (d30), "prepare")
            && !strcmp (state (d40), "wait"),
        "20 failed: 30 is next, before 40 of a policy");
    answer_J (&w, d30);
    submitted (&w, d30, A, 130);
    delegation_depend (d30);
    fake_run (&w.fh);
    fake_report (link_of (&w, A), LINK_R, 30, 0, world_remote_R, NULL);
    if (delegation_sched (d30))
        answer (&w, d30, FAKE_COMMIT, NULL, NULL);
    remote_event (&w, d30, A, "{\"name\":\"start\"}");
    answer (&w, d30, FAKE_LOOKUP, "exec.eventlog", "{}");
    answer (&w, d30, FAKE_OVERRIDE, NULL, NULL);
    remote_event (&w, d30, A, "{\"name\":\"finish\",\"context\":{\"status\":0}}");
    fake_report (link_of (&w, A), LINK_OUTPUT_END, 30, 0, NULL, "");
    fake_run (&w.fh);
    ok (!strcmp (state (d30), "finish") && !strcmp (state (d40), "prepare"),
        "30 finished there: 40 of a policy takes the slot");
    world_fini (&w);
}

/* ---- a cancel in each state ---- */

static void test_cancel_each (void)
{
    const char *states[] =
        {"hold", "wait", "prepare", "submit", "pending", "alloc", "run", "running"};

    for (int i = 0; i < 8; i++) {
        struct world w;
        struct delegation *d;
        struct delegation *first = NULL;
        bool copy = i >= 2;  // the copy is made with the choice of the target
        flux_jobid_t id = 50 + i;

        world_init (&w,
                    "{\"delegate\":[{\"uri\":\"" A
                    "\",\"label\":\"m\","
                    "\"max-jobs\":1}]}");
        if (i == 1)
            first = job (&w, 49, "m", NULL);
        d = job (&w, id, "m", i == 0 ? "after-other" : NULL);
        if (i >= 3)
            answer_J (&w, d);
        if (i >= 4) {
            submitted (&w, d, A, 100 + id);
            delegation_depend (d);
            fake_run (&w.fh);
        }
        if (i >= 5)
            fake_report (link_of (&w, A), LINK_R, id, 0, world_remote_R, NULL);
        if (i >= 6 && delegation_sched (d))
            answer (&w, d, FAKE_COMMIT, NULL, NULL);
        if (i >= 7) {
            remote_event (&w, d, A, "{\"name\":\"start\"}");
            answer (&w, d, FAKE_LOOKUP, "exec.eventlog", "{}");
            answer (&w, d, FAKE_OVERRIDE, NULL, NULL);
        }
        if (!is_str (state (d), states[i], "driven to %s", states[i]))
            continue;
        delegation_exception (d, "cancel", 0, "by user");
        ok (!strcmp (state (d), "canceled")
                && fake_cmds (link_of (&w, A), "drop 5") == (copy ? 1 : 0)
                && (!copy || fake_cmds (link_of (&w, A), "drop ") == 1)
                && in_flight (&w, A) == (first ? 1 : 0),
            "cancel in %s: CANCELED, %s, its slot freed",
            states[i],
            copy ? "the copy dropped with the reason" : "nothing sent");
        if (copy)
            ok (fake_cmds (link_of (&w, A), "drop ") == 1
                    && json_array_size (link_of (&w, A)->cmds) > 0
                    && strstr (json_string_value (
                                   json_array_get (link_of (&w, A)->cmds,
                                                   json_array_size (
                                                       link_of (&w, A)->cmds)
                                                       - 1)),
                               "source job cancel: by user"),
                "cancel in %s: the remote job is cancelled with the source's reason",
                states[i]);
        ok (!fake_raised (&w.fh, id, NULL), "cancel in %s raises nothing", states[i]);
        world_fini (&w);
    }
}

/* ---- reports for jobs that are gone, or for abandoned copies ---- */

static void test_gone (void)
{
    struct world w;
    struct delegation *d;
    size_t nevents;

    world_init (&w, "{\"delegate\":[{\"uri\":\"" A "\"},{\"uri\":\"" B "\"}]}");
    d = job (&w, 60, "assign:0", NULL);
    answer_J (&w, d);
    nevents = json_array_size (w.fh.events);
    fake_report (link_of (&w, A), LINK_SUBMITTED, 999, 1999, NULL, NULL);
    ok (json_array_size (w.fh.events) == nevents && !strcmp (state (d), "submit"),
        "a report for an unknown job is dropped");
    fake_report (link_of (&w, A), LINK_SUBMIT_FAILED, 60, 0, NULL, "refused");
    is_str (state (d), "prepare", "failover to the second target");
    fake_report (link_of (&w, A), LINK_SUBMITTED, 60, 1060, NULL, NULL);
    ok (fake_events (&w.fh, 60, "delegate::submit") == 0
            && !strcmp (state (d), "prepare"),
        "a late report from the abandoned target is dropped");
    delegation_destroy (d);
    w.njobs = 0;
    fake_report (link_of (&w, B), LINK_SUBMITTED, 60, 2060, NULL, NULL);
    ok (fake_events (&w.fh, 60, "delegate::submit") == 0,
        "a report for a destroyed delegation is dropped");
    ok (query_is (&w, "{}"), "no delegation left: the query is empty");
    world_fini (&w);
}

/* ---- link down and up ---- */

static void test_link (void)
{
    struct world w;
    struct delegation *p;
    struct delegation *r;
    const char *note;

    world_init (&w, NULL);
    p = job (&w, 70, A, NULL);
    to_pending (&w, p, A);
    r = job (&w, 71, A, NULL);
    to_running (&w, r, A);
    ok (!strcmp (state (p), "pending") && !strcmp (state (r), "running"),
        "one job pending and one running on A");
    fake_report (link_of (&w, A), LINK_DOWN, 0, 0, NULL, "lost connection");
    fake_advance (&w.fh, TIMEOUT - 1.);
    fake_report (link_of (&w, A), LINK_UP, 0, 0, NULL, NULL);
    fake_advance (&w.fh, 2 * TIMEOUT);
    ok (!strcmp (state (p), "pending") && !strcmp (state (r), "running"),
        "down for less than the link timeout: both go on");
    fake_report (link_of (&w, A), LINK_DOWN, 0, 0, NULL, "lost connection");
    fake_advance (&w.fh, TIMEOUT + 0.1);
    note = fake_raised (&w.fh, 70, NULL);
    ok (!strcmp (state (p), "failed") && note
            && strstr (note, A ": lost contact with the target: lost connection"),
        "pending, down past the link timeout: DelegationFailure (%s)",
        note ? note : "");
    note = fake_raised (&w.fh, 71, NULL);
    ok (!strcmp (state (r), "failed") && note && strstr (note, "lost contact"),
        "running, down past the link timeout: DelegationFailure, no failover");
    ok (fake_cmds (link_of (&w, A), "drop 70 abandoned") == 1
            && fake_cmds (link_of (&w, A), "drop 71 abandoned") == 1,
        "both remote jobs are to be cancelled");
    world_fini (&w);
}

/* ---- deadlines, illegal moves, recovery ---- */

static void test_deadline (void)
{
    struct world w;
    struct delegation *d;
    const char *note;

    world_init (&w, NULL);
    d = job (&w, 80, B, NULL);
    answer_J (&w, d);
    fake_advance (&w.fh, TIMEOUT - 0.01);
    is_str (state (d), "submit", "no answer just before the link timeout: waiting");
    fake_advance (&w.fh, 0.02);
    note = fake_raised (&w.fh, 80, NULL);
    ok (!strcmp (state (d), "failed") && note
            && !strcmp (note, B ": no answer within 5s"),
        "a URI that does not answer in time: %s",
        note ? note : "");
    d = job (&w, 81, B, NULL);
    answer_J (&w, d);
    fake_advance (&w.fh, 1.);
    submitted (&w, d, B, 181);
    fake_advance (&w.fh, 2 * TIMEOUT);
    is_str (state (d), "pending", "an answer in time stops the deadline");
    w.fh.fail_timer_create = 1;
    d = job (&w, 82, B, NULL);
    note = fake_raised (&w.fh, 82, NULL);
    ok (!strcmp (state (d), "failed") && note
            && strstr (note, "cannot arm the link timeout")
            && !fake_req_find (&w.fh, 82, FAKE_LOOKUP, "J"),
        "a deadline that cannot be armed fails the job, nothing sent: %s",
        note ? note : "");
    ok (in_flight (&w, B) == 1, "and frees its slot (81 holds the other)");
    world_fini (&w);
}

static void test_illegal (void)
{
    struct world w;
    struct delegation *d;

    world_init (&w, NULL);
    d = job (&w, 90, A, "after-other");
    ok (delegation_transition (d, D_RUNNING) < 0 && errno == EINVAL
            && !strcmp (state (d), "hold"),
        "HOLD -> RUNNING is refused, the state unchanged");
    ok (fake_logged (&w.fh, "job 90: illegal move hold -> running refused"),
        "and logged");
    delegation_exception (d, "cancel", 0, "x");
    ok (delegation_transition (d, D_HOLD) < 0 && !strcmp (state (d), "canceled"),
        "nothing leaves CANCELED");
    ok (query_is (&w, "{\"canceled\":1}"), "refused moves leave the counts alone");
    world_fini (&w);
}

static void test_recover (void)
{
    struct world w;
    struct delegation *d;
    const char *log_pending =
        "{\"timestamp\":1,\"name\":\"submit\",\"context\":{}}\n"
        "{\"timestamp\":2,\"name\":\"delegate::submit\",\"context\":"
        "{\"jobid\":1234,\"uri\":\"" A "\",\"attempt\":1}}\n";
    char log_running[1024];
    const char *log_ended =
        "{\"timestamp\":1,\"name\":\"delegate::submit\",\"context\":"
        "{\"jobid\":1236,\"uri\":\"" A
        "\",\"attempt\":1}}\n"
        "{\"timestamp\":2,\"name\":\"exception\",\"context\":"
        "{\"type\":\"cancel\",\"severity\":0,\"note\":\"\"}}\n";
    struct route *route;
    flux_error_t error;
    json_t *out;

    snprintf (log_running,
              sizeof (log_running),
              "{\"timestamp\":1,\"name\":\"delegate::submit\",\"context\":"
              "{\"jobid\":1235,\"uri\":\"" A
              "\",\"attempt\":1}}\n"
              "{\"timestamp\":2,\"name\":\"alloc\",\"context\":{}}\n"
              "{\"timestamp\":3,\"name\":\"start\",\"context\":{}}\n");
    world_init (&w, NULL);
    for (int i = 0; i < 3; i++) {
        route = route_create (A, &error);
        d = delegation_create (w.env, 100 + i, 1000, 16, route);
        w.jobs[w.njobs++] = d;
        delegation_recover (d);
    }
    ok (query_is (&w, "{\"recover\":3}"), "three jobs taken over: RECOVER");
    d = w.jobs[0];
    answer (&w, d, FAKE_LOOKUP, "eventlog", log_pending);
    ok (!strcmp (state (d), "pending")
            && fake_cmds (link_of (&w, A), "follow 100 1234 0") == 1,
        "sent, no R yet: RECOVER -> PENDING, its remote job followed");
    d = w.jobs[1];
    answer (&w, d, FAKE_LOOKUP, "eventlog", log_running);
    ok (answer (&w, d, FAKE_LOOKUP, "guest.output", "{\"a\":1}\n{\"b\":2}\n"),
        "started: the output copied so far is counted");
    out = json_object_get (w.fh.outputs, "101");
    ok (fake_cmds (link_of (&w, A), "follow 101 1235 2") == 1 && out
            && !strcmp (json_string_value (json_array_get (out, 0)), "resume 2"),
        "RECOVER -> RUNNING, output resumed after its 2 entries");
    is_str (state (d), "running", "the running job is RUNNING");
    d = w.jobs[2];
    answer (&w, d, FAKE_LOOKUP, "eventlog", log_ended);
    ok (!strcmp (state (d), "canceled")
            && fake_cmds (link_of (&w, A), "drop 102 the source job ended") == 1,
        "ended while unloaded: CANCELED, its remote job cancelled");
    world_fini (&w);
}

/* A job of another user goes only to a target that said it accepts them
 * (its hello, with the link's UP report), as its J, its userid recorded
 * in delegate::submit; a copy of a copy (hops 1) goes with hops 2; the
 * key names the attempt.
 */
static struct delegation *other_user_job (struct world *w, flux_jobid_t id, int hops)
{
    char key[32];
    struct route *route;
    struct delegation *d;
    flux_error_t error;

    snprintf (key, sizeof (key), "%ju", (uintmax_t)id);
    (void)json_object_set_new (w->fh.jobspecs, key, load (world_jobspec));
    if (!(route = route_create (A, &error))
        || !(d = delegation_create (w->env, id, 2000, 16, route))) {
        printf ("Bail out! %s\n", error.text);
        exit (1);
    }
    w->jobs[w->njobs++] = d;
    delegation_set_hops (d, hops);
    delegation_new (d);
    fake_run (&w->fh);
    return d;
}

static void test_other_user (void)
{
    struct world w;
    struct delegation *d, *g;
    json_t *ctx;
    const char *note;

    world_init (&w, NULL);
    d = job (&w, 8, A, NULL);  // the owner's: A's link opens
    answer_J (&w, d);
    submitted (&w, d, A, 801);
    ctx = fake_event_context (&w.fh, 8, "delegate::submit");
    ok (ctx && !json_object_get (ctx, "userid"),
        "the owner's job: no userid in delegate::submit (it runs as the target's "
        "owner)");
    g = other_user_job (&w, 6, 0);
    note = fake_raised (&w.fh, 6, NULL);
    ok (delegation_ended (g) && note
            && strstr (note, "is not known to accept other users"),
        "another user's job, A not heard from yet: refused (%s)",
        note ? note : "no exception");
    fake_report (link_of (&w, A), LINK_UP, 0, 0, "{\"accept\":true}", NULL);
    g = other_user_job (&w, 7, 1);
    ok (answer_J (&w, g) && fake_cmds (link_of (&w, A), "copy J I/7/1 hops=2") == 1,
        "A accepts: the job goes as J; a copy once delegated goes with hops 2");
    submitted (&w, g, A, 701);
    ctx = fake_event_context (&w.fh, 7, "delegate::submit");
    ok (ctx && json_integer_value (json_object_get (ctx, "userid")) == 2000,
        "delegate::submit names the userid the copy runs as");
    world_fini (&w);
}

int main (void)
{
    test_path ();
    test_other_user ();
    test_hold ();
    test_failover ();
    test_wait ();
    test_cancel_each ();
    test_gone ();
    test_link ();
    test_deadline ();
    test_illegal ();
    test_recover ();
    return done_testing ();
}

// vi:ts=4 sw=4 expandtab
