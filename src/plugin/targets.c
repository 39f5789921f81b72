/* SPDX-License-Identifier: LGPL-3.0 */

/* targets.c - the remote instances this job manager delegates to
 * (see targets.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"

struct target {
    struct target *next;
    struct targets *t;
    struct link *link;
    struct target_view view;
    bool kept;          // configured: connected and polled
    double last_heard;  // when it last connected or answered a poll
    int in_flight;
    void *user;
    json_t *hello;  // its answer to the last connect (link.h), or NULL
};

struct targets {
    struct targets_params params;
    const struct targets_ops *ops;
    void *arg;
    struct target *list;
    struct delegate_conf *conf;
    unsigned int rr_next;
};

struct target *targets_find (struct targets *t, const char *uri)
{
    for (struct target *tg = t->list; tg; tg = tg->next)
        if (!strcmp (link_uri (tg->link), uri))
            return tg;
    return NULL;
}

static double now (struct targets *t)
{
    return t->params.now (t->params.now_arg);
}

/* A target is up while connected and, if polled, while it answers: a
 * stopped broker keeps its connection but no longer answers.
 */
static bool target_up (struct target *tg)
{
    double interval = tg->t->params.metrics_interval;
    double stale = 2 * interval + 1.;

    if (!link_is_up (tg->link))
        return false;
    return !tg->kept || interval <= 0. || now (tg->t) - tg->last_heard < stale;
}

static void take_metrics (struct target *tg, json_t *o)
{
    struct target_view *v = &tg->view;

    if (json_unpack (o,
                     "{s:i s:i s:F}",
                     "pending",
                     &v->pending,
                     "running",
                     &v->running,
                     "match_time",
                     &v->match_time)
            < 0
        || rsummary_decode (json_object_get (o, "total"), &v->total) < 0
        || rsummary_decode (json_object_get (o, "free"), &v->free) < 0)
        return;
    v->have_metrics = true;
}

static void report_cb (struct link *l, const struct link_report *rep, void *arg)
{
    struct target *tg = arg;
    struct targets *t = tg->t;

    switch (rep->type) {
        case LINK_METRICS:
            tg->last_heard = now (t);
            take_metrics (tg, rep->obj);
            break;
        case LINK_ORPHAN:
            t->ops->orphan (tg, rep->srcid, rep->remote_id, rep->text, t->arg);
            break;
        case LINK_UP:
        case LINK_DOWN:
            tg->last_heard = now (t);
            if (rep->type == LINK_UP && rep->obj) {
                json_decref (tg->hello);
                tg->hello = json_incref (rep->obj);
            }
            if (rep->type == LINK_DOWN)
                tg->view.have_metrics = false;
            t->ops->link_state (tg, rep->type == LINK_UP, rep->text, t->arg);
            break;
        default:
            t->ops->job_report (tg, rep, t->arg);
            break;
    }
}

struct target *targets_get (struct targets *t, const char *uri)
{
    struct target *tg;

    if ((tg = targets_find (t, uri)))
        return tg;
    if (!(tg = calloc (1, sizeof (*tg))))
        return NULL;
    tg->t = t;
    tg->view.match_time = -1.;
    if (!(tg->link =
              t->params
                  .open (t->params.open_arg, uri, &t->params.link, report_cb, tg))) {
        free (tg);
        return NULL;
    }
    tg->next = t->list;
    t->list = tg;
    return tg;
}

struct link *target_link (struct target *tg)
{
    return tg->link;
}

const char *target_uri (struct target *tg)
{
    return link_uri (tg->link);
}

void **target_user (struct target *tg)
{
    return &tg->user;
}

int targets_configure (struct targets *t, struct delegate_conf *dc)
{
    struct target *tg;
    int rc = 0;

    delegate_conf_destroy (t->conf);
    t->conf = dc;
    for (int i = 0; i < dc->count; i++) {
        if (!(tg = targets_get (t, dc->targets[i].uri))
            || link_keep (tg->link, t->params.metrics_interval) < 0) {
            rc = -1;
            continue;
        }
        if (!tg->kept) {
            tg->kept = true;
            tg->last_heard = now (t);
        }
    }
    return rc;
}

const struct delegate_conf *targets_conf (struct targets *t)
{
    return t->conf;
}

static const char *label_of (struct targets *t, const char *uri)
{
    int i = delegate_conf_find_uri (t->conf, uri);
    return i >= 0 ? t->conf->targets[i].label : NULL;
}

void targets_slot_take (struct target *tg)
{
    tg->in_flight++;
}

void targets_slot_release (struct target *tg)
{
    if (tg->in_flight > 0)
        tg->in_flight--;
}

int target_in_flight (struct target *tg)
{
    return tg->in_flight;
}

bool targets_full (struct targets *t, struct target *tg)
{
    int i = delegate_conf_find_uri (t->conf, link_uri (tg->link));

    if (i < 0 || t->conf->targets[i].max_jobs == 0)
        return false;
    return tg->in_flight >= t->conf->targets[i].max_jobs;
}

/* -1: not known (never connected), 0: no, 1: yes */
static int accepts (struct target *tg)
{
    int accept = 0;

    if (!tg || !tg->hello)
        return -1;
    (void)json_unpack (tg->hello, "{s?b}", "accept", &accept);
    return accept;
}

/* It accepts delegated jobs and holds sibling copies (a lease). */
static bool holds_siblings (struct target *tg)
{
    int lease = 0;

    if (accepts (tg) != 1)
        return false;
    (void)json_unpack (tg->hello, "{s?b}", "lease", &lease);
    return lease != 0;
}

void targets_view (struct targets *t, const char *uri, struct target_view *view)
{
    struct target *tg = targets_find (t, uri);

    memset (view, 0, sizeof (*view));
    view->match_time = -1.;
    if (tg) {
        *view = tg->view;
        view->up = target_up (tg);
        view->full = targets_full (t, tg);
        view->accepts = holds_siblings (tg);
    }
}

const char *targets_refusal (struct targets *t,
                             const char *uri,
                             bool other_user,
                             const char *queue)
{
    struct target *tg = targets_find (t, uri);
    json_t *queues = NULL;
    size_t i;
    json_t *q;

    if (!other_user)
        return NULL;
    switch (accepts (tg)) {
        case -1:
            return "is not known to accept other users' jobs (not connected yet)";
        case 0:
            return "does not accept other users' jobs (no [delegate-accept])";
    }
    if (!queue)
        return NULL;
    (void)json_unpack (tg->hello, "{s?o}", "queues", &queues);
    json_array_foreach (queues, i, q)
    {
        if (!strcmp (json_string_value (q), queue))
            return NULL;
    }
    return "has no such queue";
}

unsigned int *targets_rr_next (struct targets *t)
{
    return &t->rr_next;
}

static json_t *target_query (struct targets *t, struct target *tg)
{
    struct target_view *v = &tg->view;
    int tn, tc, tgpu, fn, fc, fgpu;

    rsummary_totals (&v->total, &tn, &tc, &tgpu);
    rsummary_totals (&v->free, &fn, &fc, &fgpu);
    int accept = accepts (tg);

    return json_pack (
        "{s:s? s:s s:s s:o s:i s:b s:i s:i s:{s:i s:i s:i} s:{s:i s:i s:i}}",
        "label",
        label_of (t, link_uri (tg->link)),
        "uri",
        link_uri (tg->link),
        "state",
        target_up (tg) ? "up" : "down",
        "accept",
        accept < 0 ? json_null () : json_boolean (accept),
        "jobs",
        tg->in_flight,
        "metrics",
        v->have_metrics,
        "pending",
        v->pending,
        "running",
        v->running,
        "free",
        "nodes",
        fn,
        "cores",
        fc,
        "gpus",
        fgpu,
        "total",
        "nodes",
        tn,
        "cores",
        tc,
        "gpus",
        tgpu);
}

json_t *targets_query (struct targets *t)
{
    json_t *a = json_array ();
    struct target *tg;

    /* configured targets first, in order, then the others */
    for (int i = 0; a && i < t->conf->count; i++)
        if ((tg = targets_find (t, t->conf->targets[i].uri)))
            (void)json_array_append_new (a, target_query (t, tg));
    for (tg = t->list; a && tg; tg = tg->next)
        if (delegate_conf_find_uri (t->conf, link_uri (tg->link)) < 0)
            (void)json_array_append_new (a, target_query (t, tg));
    return a;
}

struct targets *targets_create (const struct targets_params *params,
                                const struct targets_ops *ops,
                                void *arg)
{
    struct targets *t;

    if (!params || !params->open || !params->now || !ops) {
        errno = EINVAL;
        return NULL;
    }
    if (!(t = calloc (1, sizeof (*t))) || !(t->conf = calloc (1, sizeof (*t->conf)))) {
        free (t);
        return NULL;
    }
    t->params = *params;
    t->ops = ops;
    t->arg = arg;
    return t;
}

/* The links go first: no report comes after link_destroy() returns.
 */
void targets_destroy (struct targets *t)
{
    if (t) {
        int saved_errno = errno;
        while (t->list) {
            struct target *tg = t->list;
            t->list = tg->next;
            link_destroy (tg->link);
            json_decref (tg->hello);
            free (tg);
        }
        delegate_conf_destroy (t->conf);
        free (t);
        errno = saved_errno;
    }
}

// vi:ts=4 sw=4 expandtab
