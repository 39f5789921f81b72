/* SPDX-License-Identifier: LGPL-3.0 */

/* metrics.c - a target's load and free resources (see metrics.h)
 */

#if HAVE_CONFIG_H
#include "config.h"
#endif
#include <errno.h>
#include <stdlib.h>

#include "metrics.h"
#include "link_impl.h"
#include "rsummary.h"

struct metrics {
    struct tlink *l;
    flux_t *h;
    flux_watcher_t *timer;
    flux_future_t *f_stats;
    flux_future_t *f_rstatus;
    flux_future_t *f_match;
    int answers;
};

static void destroy_futures (struct metrics *m)
{
    flux_future_destroy (m->f_stats);
    flux_future_destroy (m->f_rstatus);
    flux_future_destroy (m->f_match);
    m->f_stats = m->f_rstatus = m->f_match = NULL;
    m->answers = 0;
}

static int job_counts (flux_future_t *f, int *pending, int *running)
{
    int depend, priority, sched, run, cleanup;

    if (flux_rpc_get_unpack (f,
                             "{s:{s:i s:i s:i s:i s:i}}",
                             "job_states",
                             "depend",
                             &depend,
                             "priority",
                             &priority,
                             "sched",
                             &sched,
                             "run",
                             &run,
                             "cleanup",
                             &cleanup)
        < 0)
        return -1;
    *pending = depend + priority + sched;
    *running = run + cleanup;
    return 0;
}

/* Fluxion's average match time, if it answered; else -1.
 */
static double match_time (flux_future_t *f)
{
    double avg = -1.;

    if (flux_rpc_get_unpack (f,
                             "{s:{s:{s:{s:F}}}}",
                             "match",
                             "succeeded",
                             "stats",
                             "avg",
                             &avg)
        < 0)
        return -1.;
    return avg;
}

static void report (struct metrics *m)
{
    int pending, running;
    json_t *all = NULL, *alloc = NULL, *down = NULL;
    struct rsummary total, free;
    json_t *o = NULL;

    if (job_counts (m->f_stats, &pending, &running) < 0
        || flux_rpc_get_unpack (m->f_rstatus,
                                "{s:o s?o s?o}",
                                "all",
                                &all,
                                "allocated",
                                &alloc,
                                "down",
                                &down)
               < 0
        || rsummary_from_R (all, NULL, down, &total, NULL) < 0
        || rsummary_from_R (all, alloc, down, &free, NULL) < 0
        || !(o = json_pack ("{s:i s:i s:o s:o s:f}",
                            "pending",
                            pending,
                            "running",
                            running,
                            "total",
                            rsummary_encode (&total),
                            "free",
                            rsummary_encode (&free),
                            "match_time",
                            match_time (m->f_match))))
        goto out;
    link_report (m->l, LINK_METRICS, 0, 0, o, NULL);
out:
    json_decref (o);
    destroy_futures (m);
}

static void answer_cb (flux_future_t *f, void *arg)
{
    struct metrics *m = arg;
    if (++m->answers == 3)
        report (m);
}

static flux_future_t *ask (struct metrics *m, const char *topic)
{
    flux_future_t *f = flux_rpc (m->h, topic, "{}", FLUX_NODEID_ANY, 0);
    if (f && flux_future_then (f, 10., answer_cb, m) < 0) {
        flux_future_destroy (f);
        return NULL;
    }
    return f;
}

static void timer_cb (flux_reactor_t *r, flux_watcher_t *w, int revents, void *arg)
{
    struct metrics *m = arg;

    if (!m->h || m->f_stats)
        return;  // previous round still out: the target is slow
    if (!(m->f_stats = ask (m, "job-list.job-stats"))
        || !(m->f_rstatus = ask (m, "sched.resource-status"))
        || !(m->f_match = ask (m, "sched-fluxion-resource.stats-get"))) {
        destroy_futures (m);
        link_connection_error (m->l);
    }
}

void metrics_start (struct metrics *m, flux_t *h, double interval)
{
    m->h = h;
    if (interval > 0.) {
        flux_timer_watcher_reset (m->timer, 0., interval);
        flux_watcher_start (m->timer);
    }
}

void metrics_stop (struct metrics *m)
{
    flux_watcher_stop (m->timer);
    destroy_futures (m);
    m->h = NULL;
}

void metrics_destroy (struct metrics *m)
{
    if (m) {
        metrics_stop (m);
        flux_watcher_destroy (m->timer);
        free (m);
    }
}

struct metrics *metrics_create (struct tlink *l, flux_reactor_t *r)
{
    struct metrics *m = calloc (1, sizeof (*m));

    if (!m)
        return NULL;
    m->l = l;
    if (!(m->timer = flux_timer_watcher_create (r, 0., 0., timer_cb, m))) {
        free (m);
        return NULL;
    }
    return m;
}

// vi:ts=4 sw=4 expandtab
