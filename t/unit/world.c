/* SPDX-License-Identifier: LGPL-3.0 */

/* world.c - the delegations of unit tests (world.h)
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tap_json.h"
#include "world.h"

const char *world_jobspec =
    "{\"version\":1,\"resources\":[{\"type\":\"slot\",\"count\":1,"
    "\"label\":\"task\",\"with\":[{\"type\":\"core\",\"count\":1}]}],"
    "\"tasks\":[{\"command\":[\"true\"],\"slot\":\"task\","
    "\"count\":{\"per_slot\":1}}],"
    "\"attributes\":{\"system\":{\"duration\":0}}}";

const char *world_remote_R =
    "{\"version\":1,\"execution\":{\"R_lite\":[{\"rank\":\"0\","
    "\"children\":{\"core\":\"0\"}}],\"nodelist\":[\"b0\"],"
    "\"starttime\":1,\"expiration\":100}}";

void world_init (struct world *w, const char *conf)
{
    struct delegation_env_params p = {
        .link_timeout = TIMEOUT,
        .lease = 1.,
        .targets =
            {
                .open = fake_link_open,
                .open_arg = &w->fh,
                .link = {.journal = true},
                .now = fake_now,
                .now_arg = &w->fh,
            },
    };
    flux_error_t error;
    struct delegate_conf *dc;

    memset (w, 0, sizeof (*w));
    fake_host_init (&w->fh);
    w->host.ops = &fake_host_ops;
    w->host.h = &w->fh;
    w->origin = load (
        "{\"uri\":\"local:///src\",\"host\":\"src\","
        "\"instance\":\"I\"}");
    p.origin = w->origin;
    p.owner = OWNER;
    p.targets.open_arg = &w->fh;
    p.targets.now_arg = &w->fh;
    if (!(w->env = delegation_env_create (&w->host, &p))) {
        printf ("Bail out! delegation_env_create: %s\n", strerror (errno));
        exit (1);
    }
    w->t = delegation_env_targets (w->env);
    if (conf) {
        json_t *o = load (conf);
        if (!(dc = delegate_conf_parse (o, &error))
            || targets_configure (w->t, dc) < 0) {
            printf ("Bail out! configuration: %s\n", error.text);
            exit (1);
        }
        json_decref (o);
    }
}

void world_fini (struct world *w)
{
    for (int i = 0; i < w->njobs; i++)
        delegation_destroy (w->jobs[i]);
    delegation_env_destroy (w->env);
    json_decref (w->origin);
    fake_host_fini (&w->fh);
}

struct fake_link *link_of (struct world *w, const char *uri)
{
    return fake_link_find (&w->fh, uri);
}

const char *state (struct delegation *d)
{
    return delegation_state_name (d);
}

/* Create the delegation of job 'id' to 'value'; with 'others', it has
 * another dependency (HOLD until it is gone).
 */
struct delegation *job (struct world *w,
                        flux_jobid_t id,
                        const char *value,
                        const char *other)
{
    char key[32];
    flux_error_t error;
    struct route *route;
    struct delegation *d;

    snprintf (key, sizeof (key), "%ju", (uintmax_t)id);
    (void)json_object_set_new (w->fh.jobspecs, key, load (world_jobspec));
    if (!(route = route_create (value, &error))
        || !(d = delegation_create (w->env, id, 1000, 16, route))) {
        printf ("Bail out! job %ju: %s\n", (uintmax_t)id, error.text);
        exit (1);
    }
    w->jobs[w->njobs++] = d;
    if (other)
        delegation_dependency_add (d, other);
    delegation_new (d);
    fake_run (&w->fh);
    return d;
}

/* The J lookup of PREPARE is answered: the copy is sent (SUBMIT). */
bool answer_J (struct world *w, struct delegation *d)
{
    struct host_req *req = fake_req_find (&w->fh, d->id, FAKE_LOOKUP, "J");
    char *J = fake_J (world_jobspec);

    if (!req || !J) {
        free (J);
        return false;
    }
    fake_answer (&w->fh, req, J, 0);
    free (J);
    return true;
}

void submitted (struct world *w,
                struct delegation *d,
                const char *uri,
                flux_jobid_t remote_id)
{
    fake_report (link_of (w, uri), LINK_SUBMITTED, d->id, remote_id, NULL, NULL);
}

void remote_event (struct world *w,
                   struct delegation *d,
                   const char *uri,
                   const char *entry)
{
    fake_report (link_of (w, uri), LINK_EVENT, d->id, 0, entry, NULL);
}

bool answer (struct world *w,
             struct delegation *d,
             enum fake_req_kind kind,
             const char *key,
             const char *value)
{
    struct host_req *req = fake_req_find (&w->fh, d->id, kind, key);

    if (!req)
        return false;
    fake_answer (&w->fh, req, value, 0);
    return true;
}

/* Drive 'd' (just created, sent at job.new) to PENDING on 'uri'. */
void to_pending (struct world *w, struct delegation *d, const char *uri)
{
    answer_J (w, d);
    submitted (w, d, uri, 100 + d->id);
    delegation_depend (d);
    fake_run (&w->fh);
}

void to_run (struct world *w, struct delegation *d, const char *uri)
{
    to_pending (w, d, uri);
    fake_report (link_of (w, uri), LINK_R, d->id, 0, world_remote_R, NULL);
    if (delegation_sched (d))
        answer (w, d, FAKE_COMMIT, NULL, NULL);
}

void to_running (struct world *w, struct delegation *d, const char *uri)
{
    to_run (w, d, uri);
    remote_event (w, d, uri, "{\"name\":\"start\"}");
    answer (w, d, FAKE_LOOKUP, "exec.eventlog", "{}");
    answer (w, d, FAKE_OVERRIDE, NULL, NULL);
}

int in_flight (struct world *w, const char *uri)
{
    struct target *tg = targets_find (w->t, uri);
    return tg ? target_in_flight (tg) : -1;
}

bool query_is (struct world *w, const char *want)
{
    json_t *got = delegation_env_query (w->env);
    json_t *o = load (want);
    bool same = got && json_equal (got, o);

    if (!same) {
        char *s = got ? json_dumps (got, JSON_COMPACT) : NULL;
        printf ("#   query: %s, want %s\n", s ? s : "NULL", want);
        free (s);
    }
    json_decref (got);
    json_decref (o);
    return same;
}

// vi:ts=4 sw=4 expandtab
