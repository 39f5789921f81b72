/* SPDX-License-Identifier: LGPL-3.0 */

/* targets.c - the remote instances this job manager delegates to
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "delegation.h"
#include "link_thread.h"
#include "targets.h"

struct target {
    struct target *next;
    struct link *link;
    struct target_view view;
    bool kept;          // configured: connected and polled
    double last_heard;  // when it last connected or answered a poll
};

struct targets {
    struct delegation_env *env;
    struct target *list;
    struct delegate_conf *conf;
    unsigned int rr_next;
    double metrics_interval;
    flux_watcher_t *wake_w;  // delegations waiting for a slot
};

static struct target *find (struct targets *t, const char *uri)
{
    for (struct target *tg = t->list; tg; tg = tg->next)
        if (!strcmp (link_uri (tg->link), uri))
            return tg;
    return NULL;
}

static struct target *find_link (struct targets *t, struct link *l)
{
    for (struct target *tg = t->list; tg; tg = tg->next)
        if (tg->link == l)
            return tg;
    return NULL;
}

static double now (struct targets *t)
{
    return flux_reactor_now (flux_get_reactor (t->env->h));
}

/* A target is up while connected and, if polled, while it answers: a
 * stopped broker keeps its connection but no longer answers.
 */
static bool target_up (struct targets *t, struct target *tg)
{
    double stale = 2 * t->metrics_interval + 1.;

    if (!link_is_up (tg->link))
        return false;
    return !tg->kept || t->metrics_interval <= 0. || now (t) - tg->last_heard < stale;
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
    struct targets *t = arg;
    struct delegation *d;
    struct target *tg;

    switch (rep->type) {
        case LINK_METRICS:
            if ((tg = find_link (t, l))) {
                tg->last_heard = now (t);
                take_metrics (tg, rep->obj);
            }
            break;
        case LINK_ORPHAN:
            flux_log (t->env->h,
                      rep->text ? LOG_ERR : LOG_INFO,
                      "delegate: %s: job %ju, left there by source job %ju whose "
                      "submission answer was lost: %s",
                      link_uri (l),
                      (uintmax_t)rep->remote_id,
                      (uintmax_t)rep->srcid,
                      rep->text ? rep->text : "cancelled");
            break;
        case LINK_UP:
        case LINK_DOWN:
            if ((tg = find_link (t, l))) {
                tg->last_heard = now (t);
                if (rep->type == LINK_DOWN)
                    tg->view.have_metrics = false;
            }
            for (d = t->env->list; d; d = delegation_next (d))
                if (delegation_link (d) == l)
                    delegation_link_state (d, rep->type == LINK_UP, rep->text);
            break;
        default:
            if ((d = delegation_lookup (t->env, rep->srcid))
                && delegation_link (d) == l)
                delegation_link_report (d, rep);
            break;
    }
}

struct link *targets_link (struct targets *t, const char *uri)
{
    struct link_params params = {.journal = t->env->journal, .idle = t->env->link_idle};
    struct target *tg;

    if ((tg = find (t, uri)))
        return tg->link;
    if (!(tg = calloc (1, sizeof (*tg))))
        return NULL;
    tg->view.match_time = -1.;
    if (!(tg->link = link_thread_open (flux_get_reactor (t->env->h),
                                       uri,
                                       &params,
                                       report_cb,
                                       t))) {
        free (tg);
        return NULL;
    }
    tg->next = t->list;
    t->list = tg;
    return tg->link;
}

void targets_configure (struct targets *t, struct delegate_conf *dc)
{
    struct link *l;

    delegate_conf_destroy (t->conf);
    t->conf = dc;
    for (int i = 0; i < dc->count; i++) {
        struct target *tg;
        if (!(l = targets_link (t, dc->targets[i].uri))
            || link_keep (l, t->metrics_interval) < 0) {
            flux_log_error (t->env->h, "delegate: %s", dc->targets[i].uri);
            continue;
        }
        if ((tg = find_link (t, l)) && !tg->kept) {
            tg->kept = true;
            tg->last_heard = now (t);
        }
    }
}

const struct delegate_conf *targets_conf (struct targets *t)
{
    return t->conf;
}

const char *targets_label (struct targets *t, const char *uri)
{
    int i = delegate_conf_find_uri (t->conf, uri);
    return i >= 0 ? t->conf->targets[i].label : NULL;
}

static int in_flight (struct targets *t, struct target *tg)
{
    int n = 0;
    for (struct delegation *d = t->env->list; d; d = delegation_next (d))
        if (delegation_link (d) == tg->link && delegation_in_flight (d))
            n++;
    return n;
}

/* A configured target with max-jobs that many jobs in flight is full.
 */
static bool target_full (struct targets *t, const char *uri, struct target *tg)
{
    int i = delegate_conf_find_uri (t->conf, uri);

    if (i < 0 || t->conf->targets[i].max_jobs == 0 || !tg)
        return false;
    return in_flight (t, tg) >= t->conf->targets[i].max_jobs;
}

bool targets_full (struct targets *t, const char *uri)
{
    return target_full (t, uri, find (t, uri));
}

static void wake_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct targets *t = arg;
    delegation_wake_all (t->env);
}

void targets_slot_freed (struct targets *t)
{
    if (t->env->waiting > 0 && !flux_watcher_is_active (t->wake_w)) {
        flux_timer_watcher_reset (t->wake_w, 0., 0.);
        flux_watcher_start (t->wake_w);
    }
}

void targets_view (struct targets *t, const char *uri, struct target_view *view)
{
    struct target *tg = find (t, uri);

    memset (view, 0, sizeof (*view));
    view->match_time = -1.;
    if (tg) {
        *view = tg->view;
        view->up = target_up (t, tg);
        view->full = target_full (t, uri, tg);
    }
}

unsigned int *targets_rr_next (struct targets *t)
{
    return &t->rr_next;
}

static json_t *target_query (struct targets *t, struct target *tg)
{
    const char *label = targets_label (t, link_uri (tg->link));
    struct target_view *v = &tg->view;
    int jobs = 0;
    int tn, tc, tgpu, fn, fc, fgpu;

    jobs = in_flight (t, tg);
    rsummary_totals (&v->total, &tn, &tc, &tgpu);
    rsummary_totals (&v->free, &fn, &fc, &fgpu);
    return json_pack ("{s:s? s:s s:s s:i s:b s:i s:i s:{s:i s:i s:i} s:{s:i s:i s:i}}",
                      "label",
                      label,
                      "uri",
                      link_uri (tg->link),
                      "state",
                      target_up (t, tg) ? "up" : "down",
                      "jobs",
                      jobs,
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
        if ((tg = find (t, t->conf->targets[i].uri)))
            (void)json_array_append_new (a, target_query (t, tg));
    for (tg = t->list; a && tg; tg = tg->next)
        if (delegate_conf_find_uri (t->conf, link_uri (tg->link)) < 0)
            (void)json_array_append_new (a, target_query (t, tg));
    return a;
}

struct targets *targets_create (struct delegation_env *env, double metrics_interval)
{
    struct targets *t = calloc (1, sizeof (*t));

    if (!t || !(t->conf = calloc (1, sizeof (*t->conf)))) {
        free (t);
        return NULL;
    }
    t->env = env;
    t->metrics_interval = metrics_interval;
    if (!(t->wake_w = flux_timer_watcher_create (flux_get_reactor (env->h),
                                                 0.,
                                                 0.,
                                                 wake_cb,
                                                 t))) {
        targets_destroy (t);
        return NULL;
    }
    return t;
}

void targets_destroy (struct targets *t)
{
    if (t) {
        int saved_errno = errno;
        while (t->list) {
            struct target *tg = t->list;
            t->list = tg->next;
            link_destroy (tg->link);
            free (tg);
        }
        delegate_conf_destroy (t->conf);
        flux_watcher_destroy (t->wake_w);
        free (t);
        errno = saved_errno;
    }
}

// vi:ts=4 sw=4 expandtab
