/* SPDX-License-Identifier: LGPL-3.0 */

/* metrics.h - a target's load and free resources, polled on its link
 *
 * Runs on the link thread, on the remote handle.  Every 'interval'
 * seconds while connected it asks the target, through flux-core's
 * generic services (so whatever scheduler it runs):
 *
 *   job-list.job-stats        pending (depend+priority+sched) and
 *                             running (run+cleanup) job counts
 *   sched.resource-status     all, allocated and down R
 *   sched-fluxion-resource.stats-get
 *                             Fluxion's match time, where it answers
 *
 * and reports LINK_METRICS with
 *   {"pending":i, "running":i, "total":RSUMMARY, "free":RSUMMARY,
 *    "match_time":f}          (match_time < 0 when not known)
 */

#ifndef DELEGATE_METRICS_H
#define DELEGATE_METRICS_H

#include <flux/core.h>

struct tlink;
struct metrics;

struct metrics *metrics_create (struct tlink *l, flux_reactor_t *r);
void metrics_destroy (struct metrics *m);

/* Poll 'h' every 'interval' seconds (0: never), from now on.
 */
void metrics_start (struct metrics *m, flux_t *h, double interval);

/* Stop polling and drop requests in flight (before 'h' is closed).
 */
void metrics_stop (struct metrics *m);

#endif /* !DELEGATE_METRICS_H */

// vi:ts=4 sw=4 expandtab
