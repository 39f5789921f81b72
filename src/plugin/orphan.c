/* SPDX-License-Identifier: LGPL-3.0 */

/* orphan.c - remote jobs whose submission answer was lost (orphan.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "orphan.h"
#include "link_impl.h"

#define ORPHAN_RETRY 2.0  // seconds between hunts
#define ORPHAN_HUNTS 15   // hunts before an entry is forgotten

struct orphan {
    struct orphan *next;
    flux_jobid_t srcid;
    json_t *origin;
    int hunts;
};

struct orphans {
    struct tlink *l;
    flux_t *h;
    flux_watcher_t *timer;
    struct orphan *list;

    /* the hunt in progress */
    flux_future_t *f;  // one request at a time
    json_t *held;      // ids of held pending jobs, to look at
    size_t next;       // in 'held'
    flux_jobid_t remote_id;
    struct orphan *match;
};

static void look_next (struct orphans *o);

static void forget (struct orphans *o, struct orphan *e)
{
    for (struct orphan **pp = &o->list; *pp; pp = &(*pp)->next) {
        if (*pp == e) {
            *pp = e->next;
            json_decref (e->origin);
            free (e);
            return;
        }
    }
}

static struct orphan *find (struct orphans *o, json_t *origin)
{
    if (origin) {
        for (struct orphan *e = o->list; e; e = e->next)
            if (json_equal (e->origin, origin))
                return e;
    }
    return NULL;
}

static void hunt_reset (struct orphans *o)
{
    flux_future_destroy (o->f);
    o->f = NULL;
    json_decref (o->held);
    o->held = NULL;
    o->match = NULL;
}

/* The hunt is over: entries looked for long enough are forgotten.
 */
static void hunt_done (struct orphans *o)
{
    struct orphan *e = o->list;

    hunt_reset (o);
    while (e) {
        struct orphan *next = e->next;
        if (++e->hunts >= ORPHAN_HUNTS)
            forget (o, e);
        e = next;
    }
    if (o->list) {
        flux_timer_watcher_reset (o->timer, ORPHAN_RETRY, 0.);
        flux_watcher_start (o->timer);
    }
}

static void cancel_cb (flux_future_t *f, void *arg)
{
    struct orphans *o = arg;
    char text[256] = "";

    if (flux_future_get (f, NULL) < 0 && errno != ENOENT)
        snprintf (text, sizeof (text), "cannot cancel: %s", future_strerror (f, errno));
    link_report (o->l,
                 LINK_ORPHAN,
                 o->match->srcid,
                 o->remote_id,
                 NULL,
                 text[0] ? text : NULL);
    forget (o, o->match);
    o->match = NULL;
    look_next (o);
}

static void lookup_cb (flux_future_t *f, void *arg)
{
    struct orphans *o = arg;
    json_t *origin = NULL;
    char reason[128];

    /* Not readable (another user's job, gone since): not ours. */
    (void)flux_rpc_get_unpack (f,
                               "{s:{s?{s?{s?o}}}}",
                               "jobspec",
                               "attributes",
                               "system",
                               "delegate_origin",
                               &origin);
    if (!(o->match = find (o, origin))) {
        look_next (o);
        return;
    }
    snprintf (reason,
              sizeof (reason),
              "orphan of source job %ju: its submission answer was lost",
              (uintmax_t)o->match->srcid);
    flux_future_destroy (o->f);
    if (!(o->f = flux_job_cancel (o->h, o->remote_id, reason))
        || flux_future_then (o->f, -1., cancel_cb, o) < 0)
        link_connection_error (o->l);
}

static void look_next (struct orphans *o)
{
    json_int_t id;

    flux_future_destroy (o->f);
    o->f = NULL;
    if (o->next >= json_array_size (o->held) || !o->list) {
        hunt_done (o);
        return;
    }
    id = json_integer_value (json_array_get (o->held, o->next++));
    o->remote_id = id;
    if (!(o->f = flux_rpc_pack (o->h,
                                "job-info.lookup",
                                FLUX_NODEID_ANY,
                                0,
                                "{s:I s:[s] s:i}",
                                "id",
                                id,
                                "keys",
                                "jobspec",
                                "flags",
                                FLUX_JOB_LOOKUP_JSON_DECODE))
        || flux_future_then (o->f, -1., lookup_cb, o) < 0)
        link_connection_error (o->l);
}

static void list_cb (flux_future_t *f, void *arg)
{
    struct orphans *o = arg;
    json_t *jobs;
    size_t i;
    json_t *job;
    json_int_t id;
    int urgency;

    if (flux_rpc_get_unpack (f, "{s:o}", "jobs", &jobs) < 0
        || !(o->held = json_array ())) {
        hunt_done (o);  // no job-list there: nothing to find
        return;
    }
    json_array_foreach (jobs, i, job)
    {
        if (json_unpack (job, "{s:I s:i}", "id", &id, "urgency", &urgency) == 0
            && urgency == FLUX_JOB_URGENCY_HOLD)
            (void)json_array_append_new (o->held, json_integer (id));
    }
    o->next = 0;
    look_next (o);
}

static void hunt (struct orphans *o)
{
    if (!o->h || o->f || !o->list)
        return;
    if (!(o->f = flux_rpc_pack (o->h,
                                "job-list.list",
                                FLUX_NODEID_ANY,
                                0,
                                "{s:i s:[s] s:{s:[s]}}",
                                "max_entries",
                                0,
                                "attrs",
                                "urgency",
                                "constraint",
                                "states",
                                "pending"))
        || flux_future_then (o->f, -1., list_cb, o) < 0)
        link_connection_error (o->l);
}

static void timer_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    hunt (arg);
}

int orphans_add (struct orphans *o, flux_jobid_t srcid, json_t *origin)
{
    struct orphan *e;

    if (!origin || !(e = calloc (1, sizeof (*e))))
        return -1;
    e->srcid = srcid;
    e->origin = json_incref (origin);
    e->next = o->list;
    o->list = e;
    return 0;
}

bool orphans_empty (struct orphans *o)
{
    return o->list == NULL;
}

void orphans_start (struct orphans *o, flux_t *h)
{
    o->h = h;
    hunt (o);
}

void orphans_stop (struct orphans *o)
{
    flux_watcher_stop (o->timer);
    hunt_reset (o);
    o->h = NULL;
}

void orphans_destroy (struct orphans *o)
{
    if (o) {
        orphans_stop (o);
        while (o->list)
            forget (o, o->list);
        flux_watcher_destroy (o->timer);
        free (o);
    }
}

struct orphans *orphans_create (struct tlink *l, flux_reactor_t *r)
{
    struct orphans *o = calloc (1, sizeof (*o));

    if (!o)
        return NULL;
    o->l = l;
    if (!(o->timer = flux_timer_watcher_create (r, 0., 0., timer_cb, o))) {
        free (o);
        return NULL;
    }
    return o;
}

// vi:ts=4 sw=4 expandtab
